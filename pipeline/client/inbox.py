"""Read a partner's inbox and decode each view with the schema topic."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline import topics
from pipeline.broker.reading import read_to_end
from pipeline.client.schema_topic import load_schema_topic
from pipeline.codec.framing import decode, read_fingerprint
from pipeline.codec.schema_store import SchemaStore
from pipeline.privacy.keyring import read_recipient_keys
from pipeline.privacy.view_decryption import decrypt_view
from pipeline.settings import Settings


@dataclass(frozen=True)
class View:
    """One view as the recipient received it."""

    key: str
    schema_name: str
    datum: dict[str, Any]
    partition: int
    offset: int
    timestamp_ms: int | None = None  # the record's Kafka timestamp (CreateTime), ms since epoch

    def to_json(self) -> dict[str, Any]:
        """The view as ``inbox --json`` prints it: where it is in the inbox, and what it holds."""
        return {
            "partition": self.partition,
            "offset": self.offset,
            "timestamp": self.timestamp_ms,
            "key": self.key,
            "schema": self.schema_name,
            "view": self.datum,
        }


def decode_all(raw_records: list[Any], store_loader: Callable[[], SchemaStore]) -> list[View]:
    """Decode records; the schema topic is re-read once if a fingerprint is not yet known."""
    store = store_loader()
    unknown = [r for r in raw_records if store.get(read_fingerprint(r.value)) is None]
    if unknown:
        store = store_loader()
    views = []
    for record in raw_records:
        entry, datum = decode(record.value, store)
        stamp = getattr(record, "timestamp", None)
        views.append(
            View(
                record.key.decode(),
                entry.name,
                datum,
                record.partition,
                record.offset,
                stamp if isinstance(stamp, int) and stamp >= 0 else None,
            )
        )
    return views


def read_inbox(
    settings: Settings, bootstrap: str, partner: str, decrypt: bool = True
) -> list[View]:
    """Every view in ``partner``'s inbox, decoded; encrypted fields opened when the partner's
    private key file is in ``recipient_keys_dir`` (and ``decrypt`` is on)."""
    raw = read_to_end(settings, bootstrap, topics.inbox(partner))
    views = decode_all(raw, lambda: load_schema_topic(settings, bootstrap))
    key_file = settings.recipient_keys_dir / f"{partner}.sleutel.json"
    if not decrypt or not key_file.exists():
        return views
    keys = read_recipient_keys(key_file)
    return [
        dataclasses.replace(v, datum=decrypt_view(v.datum, keys)) if "envelope" in v.datum else v
        for v in views  # figures (Statistiek records) have no envelope and nothing encrypted
    ]
