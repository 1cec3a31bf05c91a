"""mibtrack: objectives, an append-only evidence ledger, and where each objective stands.

The library has no terminal code: `mibtrack.cli` is a thin shell over it.
"""

__version__ = "0.1.0"
