"""The append-only, tamper-evident, crash-safe evidence ledger (see docs/ledger-format.md)."""

from .codec import GENESIS, MAX_LINE_BYTES, encode, sha256
from .feed import Break, TornTail, check_chain, quarantine
from .store import Appended, FeedVerdict, Ledger, LedgerContent, default_writer, draft

__all__ = ["GENESIS", "MAX_LINE_BYTES", "Appended", "Break", "FeedVerdict", "Ledger",
           "LedgerContent", "TornTail", "check_chain", "default_writer", "draft", "encode",
           "quarantine", "sha256"]
