"""ketenstroom: covenant-governed data sharing between chain partners against human trafficking."""

__version__ = "0.1.0"
