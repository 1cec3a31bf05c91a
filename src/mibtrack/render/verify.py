"""`verify --json`: the VerifyResult as its document (`history` only with --history)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .jsonout import plain

if TYPE_CHECKING:
    from ..compute.verify import VerifyResult


def verify_document(result: VerifyResult) -> dict[str, Any]:
    document: dict[str, Any] = plain(result)
    if result.history is None:
        del document["history"]
    return document
