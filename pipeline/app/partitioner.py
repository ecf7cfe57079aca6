"""Which partition a key lands on: Kafka's Java partitioner (murmur2), as librdkafka computes it.

The router's producer places each event-id claim with librdkafka's ``murmur2_random``
partitioner (app.output_producer); partners place their signals the same way (the partner
guide). To know which claims partition holds an id's claim, the worker calls that same C
function, ``rd_kafka_msg_partitioner_murmur2`` (public in librdkafka's API), from the
librdkafka the process already loaded with confluent-kafka: ~1 µs a key, where the pure-Python
murmur2 of kafka-python takes ~10 µs. Where that library cannot be found (not Linux, or a build
that hides the symbol), kafka-python's function is used: both give the same partition (a test).
"""

from __future__ import annotations

import ctypes
import functools
import logging
from collections.abc import Callable
from pathlib import Path

import confluent_kafka  # noqa: F401  (loads librdkafka into the process)
from kafka.partitioner.default import murmur2

log = logging.getLogger("ketenstroom.worker")

#: A key and a partition count -> the partition Kafka's Java partitioner gives that key.
Partitioner = Callable[[bytes, int], int]


def python_partition(key: bytes, partitions: int) -> int:
    """Kafka's Java ``DefaultPartitioner`` for a key (kafka-python's murmur2, pure Python)."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


@functools.cache
def partitioner() -> Partitioner:
    """librdkafka's murmur2 partitioner when it can be called directly, else kafka-python's."""
    function = _librdkafka_murmur2()
    if function is None:
        log.debug("librdkafka's partitioner not found; using kafka-python's murmur2")
        return python_partition

    def partition(key: bytes, partitions: int) -> int:
        return int(function(None, key, len(key), partitions, None, None))

    return partition


def _librdkafka_murmur2() -> Callable[..., int] | None:
    for path in _loaded_librdkafka():
        try:
            function = ctypes.CDLL(str(path)).rd_kafka_msg_partitioner_murmur2
        except (OSError, AttributeError):
            continue
        function.restype = ctypes.c_int32
        function.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_int32,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        return function
    return None


def _loaded_librdkafka() -> list[Path]:
    """The librdkafka shared libraries this process has mapped (confluent-kafka's own)."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return []
    found = {line.split()[-1] for line in maps.splitlines() if "librdkafka" in line}
    return [Path(p) for p in sorted(found) if p.startswith("/")]
