"""One exception hierarchy: every error says what failed and what to do about it."""

from __future__ import annotations


class KetenstroomError(Exception):
    """Root of every error ketenstroom raises on purpose."""


class ConfigurationError(KetenstroomError):
    """Settings or files on disk are missing or inconsistent."""


class SchemaError(KetenstroomError):
    """An Avro schema cannot be loaded, resolved or evolved."""


class CodecError(KetenstroomError):
    """Bytes cannot be turned into a record, or a record into bytes.

    ``reason`` is the machine-readable dead-letter reason.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class InvalidRecordError(CodecError):
    """A record decodes but breaks a rule of its signal type (e.g. a BSN that fails the 11-check)."""

    def __init__(self, detail: str) -> None:
        super().__init__("invalid_record", detail)


class CovenantError(KetenstroomError):
    """A covenant file or the partner registry is invalid; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class BrokerError(KetenstroomError):
    """The Kafka broker cannot be started, reached, or did not acknowledge a write."""
