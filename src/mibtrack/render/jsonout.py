"""Stable JSON for scripts: decimals as JSON numbers (exact, never via float), dates ISO,
keys in the order the records declare them, two-space indent, a final newline."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

from pydantic import BaseModel

from ..values import canonical, format_moment
from .text import _UNSAFE

_basestring = encode_basestring


def plain(value: Any) -> Any:
    """Records to dicts and lists, keeping Decimals, dates and moments for `dumps` (a field
    marked `exclude` is left out, as pydantic's own dump leaves it)."""
    if isinstance(value, BaseModel):
        return {(info.serialization_alias or name): plain(getattr(value, name))
                for name, info in type(value).model_fields.items() if not info.exclude}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _string(text: str) -> str:
    """A JSON string, UTF-8 kept, but every character `render.text.literal` would escape
    written as a JSON escape (lossless: `\\u001b`, `\\u202e`), so no document printed to
    a terminal can act on it."""
    out = _basestring(text)  # what json.dumps(text, ensure_ascii=False) gives
    return _UNSAFE.sub(_json_escape, out) if _UNSAFE.search(out) else out


def _json_escape(match: re.Match[str]) -> str:
    return json.dumps(match.group())[1:-1]  # ensure_ascii: \uXXXX, surrogate pairs beyond


def _encode(value: Any, indent: str, step: str) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is None or isinstance(value, bool):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(canonical(value), "f")
    if isinstance(value, float):  # pragma: no cover - reports hold no floats
        return json.dumps(value, allow_nan=False)
    if isinstance(value, dt.datetime):
        return json.dumps(format_moment(value))
    if isinstance(value, dt.date):
        return json.dumps(value.isoformat())
    inner = indent + step
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = (f"{inner}{_string(k)}: {_encode(v, inner, step)}"
                 for k, v in value.items())
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + _encode(v, inner, step) for v in value) + f"\n{indent}]"
    if isinstance(value, BaseModel):
        return _encode(plain(value), indent, step)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(value: Any) -> str:
    """One JSON document, deterministic byte for byte for the same value."""
    return _encode(plain(value), "", "  ") + "\n"
