"""Stable JSON for scripts: decimals as JSON numbers (exact, never via float), dates ISO,
keys in the order the records declare them, two-space indent, a final newline."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
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


def fields_of(value: BaseModel) -> dict[str, Any]:
    """A record's fields by their JSON names, in declaration order (not converted)."""
    return {(info.serialization_alias or name): getattr(value, name)
            for name, info in type(value).model_fields.items()}


_CONSTANTS = {None: "null", True: "true", False: "false"}

#: A sequence of records at least this long is encoded once per document however often it
#: appears (short ones are not worth remembering).
_SHARED_LENGTH = 8


class _Encoder:
    """Writes one document. A sequence of the same record objects met again at the same
    depth (a report shares one series of a metric among every objective on it) is encoded
    once: identity is safe here, since every record is held, unchanged, for the whole
    call."""

    def __init__(self) -> None:
        self._shared: dict[tuple[str | int, ...], str] = {}

    def encode(self, value: Any, indent: str, step: str) -> str:
        if isinstance(value, str):
            return _string(value)
        if value is None or isinstance(value, bool):
            return _CONSTANTS[value]
        if isinstance(value, int):
            return str(value)
        if isinstance(value, Decimal):
            return format(canonical(value), "f")
        if isinstance(value, float):  # pragma: no cover - reports hold no floats
            return json.dumps(value, allow_nan=False)
        if isinstance(value, dt.datetime):
            return json.dumps(format_moment(value))
        if isinstance(value, dt.date):
            return '"' + value.isoformat() + '"'
        inner = indent + step
        if isinstance(value, BaseModel):
            value = fields_of(value)
        if isinstance(value, dict):
            if not value:
                return "{}"
            items = (f"{inner}{_string(str(k))}: {self.encode(v, inner, step)}"
                     for k, v in value.items())
            return "{\n" + ",\n".join(items) + f"\n{indent}}}"
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"cannot write {type(value).__name__} as JSON")
        if not value:
            return "[]"
        if len(value) >= _SHARED_LENGTH and isinstance(value[0], BaseModel):
            key: tuple[str | int, ...] = (indent, *map(id, value))  # a series seen before
            if key not in self._shared:
                self._shared[key] = self._sequence(value, indent, step)
            return self._shared[key]
        return self._sequence(value, indent, step)

    def _sequence(self, value: list[Any] | tuple[Any, ...], indent: str, step: str) -> str:
        inner = indent + step
        return ("[\n" + ",\n".join(inner + self.encode(v, inner, step) for v in value)
                + f"\n{indent}]")


def chunks(value: Any) -> Iterator[str]:
    """`dumps(value)` in pieces: each top-level field, and each item of a top-level list
    (a report's objectives one by one), so a document of any size is written without
    being held whole."""
    encoder = _Encoder()
    top = fields_of(value) if isinstance(value, BaseModel) else value
    if not isinstance(top, dict) or not top:
        yield encoder.encode(top, "", "  ") + "\n"
        return
    step = inner = "  "
    for n, (key, item) in enumerate(top.items()):
        yield ("{\n" if n == 0 else ",\n") + f"{inner}{_string(str(key))}: "
        if isinstance(item, BaseModel):
            item = fields_of(item)
        if isinstance(item, (list, tuple)) and item:
            deeper = inner + step
            for i, element in enumerate(item):
                yield ("[\n" if i == 0 else ",\n") + deeper + encoder.encode(element, deeper,
                                                                               step)
            yield f"\n{inner}]"
        else:
            yield encoder.encode(item, inner, step)
    yield "\n}\n"


def dumps(value: Any) -> str:
    """One JSON document, deterministic byte for byte for the same value."""
    return "".join(chunks(value))
