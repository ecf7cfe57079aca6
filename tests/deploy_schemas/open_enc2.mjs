// Open one encrypted (ENC2) field of a ketenstroom view, written from docs/partners.en.md
// ("Encrypted fields") alone, with a JavaScript HPKE (RFC 9180) that shares no code with the
// router's Python `cryptography`. Used by tests/integration/test_least_privilege.py.
//
// Input on stdin, JSON: {"token": "ENC2.k1....", "event_ref": "<the view's envelope.event_ref>",
// "recipient": "<your partner id>", "path": "<the field's dotted path, e.g. slachtoffer.bsn>",
// "key_file": <your key file <partner>.sleutel.json, parsed>}. Output: the value, as UTF-8.
import { readFileSync } from "node:fs";
import { webcrypto } from "node:crypto";
import { Aes256Gcm, CipherSuite, HkdfSha256 } from "@hpke/core";
import { DhkemX25519HkdfSha256 } from "@hpke/dhkem-x25519";

const utf8 = (text) => new TextEncoder().encode(text);
// base64url (RFC 4648 section 5) without padding: Node reads it with or without "="
const unb64 = (text) => new Uint8Array(Buffer.from(text, "base64url"));

async function open({ token, event_ref, recipient, path, key_file }) {
  const parts = token.split(".");
  if (parts.length !== 4 || parts[0] !== "ENC2" || !/^k[0-9]+$/.test(parts[1])) {
    throw new Error("not an ENC2 token: ENC2.k<version>.<wrapped key>.<nonce and ciphertext>");
  }
  const version = Number(parts[1].slice(1));
  const wrapped = unb64(parts[2]); // HPKE: enc (32 bytes, X25519) || sealed data key (32 + 16)
  const body = unb64(parts[3]); // nonce (12 bytes) || AES-256-GCM ciphertext and tag (16)
  const entry = key_file.sleutels.find((key) => key.versie === version);
  if (!entry) throw new Error(`key version ${version} is not in the key file`);

  // 1. the data key: HPKE base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM
  //    (suite 0x0020 / 0x0001 / 0x0002), info binds it to recipient and key version, no aad
  const suite = new CipherSuite({
    kem: new DhkemX25519HkdfSha256(),
    kdf: new HkdfSha256(),
    aead: new Aes256Gcm(),
  });
  const recipientKey = await suite.kem.importKey("raw", unb64(entry.materiaal), false);
  const dataKey = await suite.open(
    {
      recipientKey,
      enc: wrapped.slice(0, 32),
      info: utf8(`ketenstroom/versleuteld/v2/${recipient}/k${version}`),
    },
    wrapped.slice(32),
  );

  // 2. the value: AES-256-GCM under the data key; the authenticated data binds it to this
  //    view (its own reference), this recipient and this field
  const key = await webcrypto.subtle.importKey("raw", dataKey, "AES-GCM", false, ["decrypt"]);
  const plain = await webcrypto.subtle.decrypt(
    {
      name: "AES-GCM",
      iv: body.slice(0, 12),
      additionalData: utf8(`${event_ref}\u0000${recipient}\u0000${path}`),
      tagLength: 128,
    },
    key,
    body.slice(12),
  );
  return new TextDecoder("utf-8", { fatal: true }).decode(plain);
}

try {
  process.stdout.write(await open(JSON.parse(readFileSync(0, "utf8"))));
} catch (error) {
  process.stderr.write(`cannot open the field: ${error.message ?? error}\n`);
  process.exitCode = 1;
}
