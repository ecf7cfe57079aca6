"""ketenstroom: covenant-governed data sharing between chain partners against human trafficking."""

from pipeline.compiled import install as _guard_compiled_core

__version__ = "0.1.0"

# Before any other module of the package loads: a compiled build runs only while it fits the
# sources it was built from (pipeline/compiled/__init__.py).
_guard_compiled_core()
