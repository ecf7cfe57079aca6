"""A recording Kafka front door for the least-privilege tests, on loopback.

Clients connect to it with SASL/PLAIN (the user name is the principal, as Kafka's own SASL
listeners take it); it answers the SASL handshake itself, then passes every request unchanged
to the embedded broker (which has no SASL) and records who sent which request. Requests are
decoded with kafka-python's classes, which are generated from Kafka's own message schemas, so
what is recorded is what the clients put on the wire. The embedded broker must advertise this
front door's address, so clients never go around it.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import pkgutil
import struct
import threading
from dataclasses import dataclass
from typing import Any

import kafka.protocol
from kafka.protocol.api_message import ApiMessage

METADATA, SASL_HANDSHAKE, API_VERSIONS, SASL_AUTHENTICATE = 3, 17, 18, 36


def _request_classes() -> dict[int, Any]:
    for module in pkgutil.walk_packages(kafka.protocol.__path__, "kafka.protocol."):
        if ".old" not in module.name and "generate" not in module.name:
            with contextlib.suppress(Exception):
                importlib.import_module(module.name)

    def subclasses(cls: type) -> list[type]:
        return [s for c in cls.__subclasses__() for s in (c, *subclasses(c))]

    found = {}
    for cls in subclasses(ApiMessage):
        with contextlib.suppress(Exception):
            if cls._class_version is None and cls.is_request():
                found[cls.API_KEY] = cls
    return found


REQUESTS = _request_classes()
RESPONSES = {
    key: importlib.import_module(cls.__module__).__dict__[
        cls.__name__.replace("Request", "Response")
    ]
    for key, cls in REQUESTS.items()
    if cls.__name__.replace("Request", "Response")
    in importlib.import_module(cls.__module__).__dict__
}


@dataclass(frozen=True)
class Recorded:
    """One request as a client sent it."""

    principal: str | None
    api_key: int
    version: int
    body: dict[str, Any]

    @property
    def api(self) -> str:
        known = REQUESTS.get(self.api_key)
        return known.__name__.removesuffix("Request") if known else f"ApiKey{self.api_key}"


class Recorder:
    """The front door: ``start()`` in a thread of its own, ``requests`` grows as clients talk."""

    def __init__(self, port: int, upstream: tuple[str, int]) -> None:
        self.port = port
        self.upstream = upstream
        self.requests: list[Recorded] = []
        self.errors: list[str] = []
        #: Topic ids (as text) to names, from the broker's Metadata answers: newer Fetch and
        #: Produce versions name topics by id only.
        self.topic_names: dict[str, str] = {}
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None

    def start(self) -> Recorder:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def of(self, principal: str) -> list[Recorded]:
        """Every request this principal sent so far."""
        with self._lock:
            return [r for r in self.requests if r.principal == principal]

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        state: dict[str, Any] = {"principal": None, "pending": {}}
        back = asyncio.ensure_future(self._responses(up_reader, writer, state))
        try:
            while True:
                frame = await _frame(reader)
                if frame is None:
                    break
                api_key, version, correlation = struct.unpack(">hhi", frame[:8])
                if api_key == SASL_HANDSHAKE:
                    body = struct.pack(">hih", 0, 1, 5) + b"PLAIN"
                    writer.write(struct.pack(">ii", len(body) + 4, correlation) + body)
                    continue
                if api_key == SASL_AUTHENTICATE:
                    state["principal"] = self._authenticate(frame, version)
                    writer.write(_sasl_ok(version, correlation))
                    continue
                if api_key in (API_VERSIONS, METADATA):
                    state["pending"][correlation] = (api_key, version)
                if api_key != API_VERSIONS:
                    body: dict[str, Any] = {}
                    if api_key in REQUESTS:  # else e.g. librdkafka's telemetry (71): no resource
                        decoded = REQUESTS[api_key].decode(
                            bytes(frame), version=version, header=True
                        )
                        body = decoded.to_dict()
                    with self._lock:
                        self.requests.append(Recorded(state["principal"], api_key, version, body))
                up_writer.write(struct.pack(">i", len(frame)) + frame)
                await up_writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception as exc:  # a request this front door cannot read: the test must see it
            self.errors.append(f"{type(exc).__name__}: {exc}")
            raise
        finally:
            back.cancel()
            for w in (writer, up_writer):
                with contextlib.suppress(Exception):
                    w.close()

    def _learn_topic_ids(self, frame: bytes, version: int) -> None:
        cls = RESPONSES[METADATA]
        start = 5 if cls.flexible_version_q(version) else 4  # correlation id (+ no tagged fields)
        decoded = cls.decode(bytes(frame[start:]), version=version).to_dict()
        for topic in decoded.get("topics") or ():
            if topic.get("topic_id") is not None and topic.get("name"):
                self.topic_names[str(topic["topic_id"])] = topic["name"]

    def _authenticate(self, frame: bytes, version: int) -> str:
        decoded = REQUESTS[SASL_AUTHENTICATE].decode(bytes(frame), version=version, header=True)
        _, user, _ = bytes(decoded.auth_bytes).split(b"\0", 2)  # PLAIN: authzid NUL user NUL pw
        return user.decode()

    async def _responses(
        self, up_reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: dict[str, Any]
    ) -> None:
        try:
            while True:
                frame = await _frame(up_reader)
                if frame is None:
                    break
                (correlation,) = struct.unpack(">i", frame[:4])
                api_key, version = state["pending"].pop(correlation, (None, None))
                if api_key == API_VERSIONS:
                    frame = _with_sasl(frame, version, correlation)
                elif api_key == METADATA:
                    self._learn_topic_ids(frame, version)
                writer.write(struct.pack(">i", len(frame)) + frame)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        except Exception as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")
            raise


async def _frame(reader: asyncio.StreamReader) -> bytes | None:
    head = await _exactly(reader, 4)
    if head is None:
        return None
    (size,) = struct.unpack(">i", head)
    return await reader.readexactly(size)


async def _exactly(reader: asyncio.StreamReader, n: int) -> bytes | None:
    try:
        return await reader.readexactly(n)
    except asyncio.IncompleteReadError:
        return None


def _sasl_ok(version: int, correlation: int) -> bytes:
    response = RESPONSES[SASL_AUTHENTICATE][version](
        error_code=0, error_message=None, auth_bytes=b"", session_lifetime_ms=0
    )
    body = bytes(response.encode(version=version))
    # response header: the correlation id, and from v2 (flexible) an empty tagged-field list
    head = struct.pack(">i", correlation) + (b"\0" if version >= 2 else b"")
    return struct.pack(">i", len(head) + len(body)) + head + body


def _with_sasl(frame: bytes, version: int, correlation: int) -> bytes:
    """The broker's ApiVersions answer, plus the SASL requests this front door answers itself
    (clients look there before they authenticate)."""
    cls = RESPONSES[API_VERSIONS]
    # ApiVersions answers always carry the plain response header: the correlation id alone
    decoded = cls.decode(bytes(frame[4:]), version=version)
    decoded._header = None  # decoded without one; encode() looks for it
    keys = [k for k in decoded.api_keys if k.api_key not in (SASL_HANDSHAKE, SASL_AUTHENTICATE)]
    Key = type(decoded.api_keys[0])
    keys += [
        Key(api_key=SASL_HANDSHAKE, min_version=0, max_version=1),
        Key(api_key=SASL_AUTHENTICATE, min_version=0, max_version=2),
    ]
    decoded.api_keys = sorted(keys, key=lambda k: k.api_key)
    return struct.pack(">i", correlation) + bytes(decoded.encode(version=version))
