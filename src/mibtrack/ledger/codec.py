"""One ledger line ⇄ one entry, byte-exact.

A line is compact JSON in a fixed key order, ending `,"id":"<sha256>"}` and a newline. The
id is the SHA-256 of the line's bytes as written before the id (the same text closed by
`}`), and `prev` is the SHA-256 of the previous line's bytes (without its newline), so any
changed byte of any entry, the newest included, breaks a hash. Nothing is ever
re-serialised to be checked: hashes are always taken over the stored bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..errors import ProjectError
from ..model import Entry

GENESIS = "0" * 64
#: A line longer than this is refused (a note of a few pages fits easily).
MAX_LINE_BYTES = 1 << 20
_ID_TAIL = re.compile(rb',"id":"([0-9a-f]{64})"\}$')
_PLAIN_DECIMAL = re.compile(r"^-?(0|[1-9]\d*)(\.\d*[1-9])?$")
_FIELD_ORDER = ("v", "seq", "type", "writer", "recorded_at", "as_of", "metric", "value",
                "objective", "status", "expected", "target_entry", "date", "sha256", "decided",
                "reason", "source", "note", "evidence", "key", "action", "principal",
                "public_key", "valid_after", "valid_before", "sealed", "recovered_from", "prev",
                "sig")
_RANK = {name: rank for rank, name in enumerate(_FIELD_ORDER)}
_ENTRY = TypeAdapter(Entry)


def sha256(data: bytes | bytearray) -> str:
    return hashlib.sha256(data).hexdigest()


#: Compact JSON, keys in the order given, non-ASCII as UTF-8: the bytes of
#: `json.dumps(…, ensure_ascii=False, separators=(",", ":")).encode()`, written by msgspec
#: (held byte for byte equal to json.dumps by tests/test_lines.py). Set on first use.
_compact: Callable[[object], bytes] | None = None


#: Signs a line's bytes before its signature (see signing.py): returns the `sig` text.
Signer = Callable[[bytes], str]


def encode(fields: dict[str, Any], sign: Signer | None = None) -> bytes:
    """The stored line (newline included) for `fields`, which hold everything but the id
    (and the signature). With `sign`, the line carries `"sig"` after `prev`: a signature over
    the line's bytes before the signature, closed by `}`; the id then covers it too."""
    try:
        names = sorted(fields, key=_RANK.__getitem__)
    except KeyError:  # an id (dropped: it is computed), or a programming error
        unknown = set(fields) - set(_FIELD_ORDER) - {"id"}
        if unknown:  # pragma: no cover - not user input
            raise ValueError(f"unknown ledger fields {sorted(unknown)}") from None
        names = sorted((k for k in fields if k != "id"), key=_RANK.__getitem__)
    ordered = {k: v for k in names if (v := fields[k]) is not None}
    global _compact
    if _compact is None:
        import msgspec

        _compact = msgspec.json.Encoder().encode
    body = _compact(ordered)
    if sign is not None:
        body = body[:-1] + b',"sig":"' + sign(body).encode() + b'"}'
    return body[:-1] + b',"id":"' + sha256(body).encode() + b'"}\n'


#: A signed line's end: the signature, then the id.
_SIG_TAIL = re.compile(rb',"sig":"([A-Za-z0-9+/]+={0,2})","id":"[0-9a-f]{64}"\}$')


def signed_part(line: bytes) -> tuple[bytes, str] | None:
    """(the bytes a signed line's signature covers, the signature), or None if unsigned."""
    match = _SIG_TAIL.search(line)
    if match is None:
        return None
    return line[: match.start()] + b"}", match[1].decode()


def id_matches(line: bytes) -> bool:
    """Does the line's id equal the SHA-256 of its bytes before the id?"""
    match = _ID_TAIL.search(line)
    if not match:
        return False
    return sha256(line[: match.start()] + b"}") == match[1].decode()


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key '{key}'")
        if isinstance(value, (dict, list)):
            raise ValueError(f"'{key}' must be a plain value, not a nested structure")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _no_float(text: str) -> Any:
    raise ValueError(f"bare number {text} is not allowed (values are decimal strings)")


def parse_fields(line: bytes) -> dict[str, Any]:
    """Strict JSON: one flat object, no duplicate keys, no NaN, no floats, bounded size."""
    if len(line) > MAX_LINE_BYTES:
        raise ValueError(f"line is {len(line)} bytes, over the {MAX_LINE_BYTES}-byte limit")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.start})") from None
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant,
                          parse_float=_no_float)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    for name in ("value",):
        if name in data and not (isinstance(data[name], str) and _PLAIN_DECIMAL.match(data[name])):
            raise ValueError(f"'{name}' must be a decimal string like \"1250.5\"")
    return data


#: The lines git writes around a conflict (`merge.conflictStyle` merge, diff3 or zdiff3).
_CONFLICT_MARKER = re.compile(rb"^(<{7}|={7}|>{7}|\|{7})( |$)")


def conflict_marker(line: bytes) -> bool:
    """Is this line one of git's conflict markers (`<<<<<<< HEAD`, `=======`, …)?"""
    return _CONFLICT_MARKER.match(line) is not None


def conflict_problem(line: bytes) -> str:
    """What a conflict marker in a feed means, for people."""
    return (f"git conflict marker {line[:7].decode()!r}: two clones appended to this feed "
            "under one writer id and a merge left both sides")


def recover_hint(where: str) -> str:
    """How out of a forked or conflicted feed (`where` starts with the feed's path)."""
    from pathlib import Path

    name = Path(where.rsplit(":", 1)[0]).name
    return (f"run `mibtrack recover {name}`: it keeps both sides (see README, "
            "\"Working as a team with git\")")


_fast: Any = None  # ledger.lines, imported on first use (msgspec: start-up time)


def decode(line: bytes, where: str) -> Entry:
    """Parse and check one stored line (without its newline); `where` is `file:line`.

    A canonical observation line is read by the compiled reader (`ledger.lines`, proven
    equal to the model by tests/test_lines.py); any other line by the model itself."""
    global _fast
    if _fast is None:
        from . import lines as _fast
    if len(line) <= MAX_LINE_BYTES:
        obs = _fast.read_checked(line)
        if obs is not None:
            entry: Entry = _fast.to_entry(obs)
            return entry
    return decode_model(line, where)


def checked_id(line: bytes, where: str) -> str:
    """`decode`'s checks (the same acceptance, the same error), the entry not built: its
    id. An import reads back a million lines it has just written and keeps only ids."""
    global _fast
    if _fast is None:
        from . import lines as _fast
    if len(line) <= MAX_LINE_BYTES:
        obs = _fast.read_checked(line)
        if obs is not None:
            return str(obs.id)
    return decode_model(line, where).id


def decode_model(line: bytes, where: str) -> Entry:
    """`decode` by the pydantic model alone: the definition every faster reader is held to."""
    try:
        data = parse_fields(line)
    except ValueError as exc:
        if conflict_marker(line):
            raise ProjectError(f"{where}: {conflict_problem(line)}", recover_hint(where),
                               kind="conflict-marker", detail=conflict_problem(line)) from None
        raise ProjectError(f"{where}: invalid ledger entry: {exc}",
                           "run `mibtrack verify`; entries are never edited by hand",
                           kind="invalid-entry", detail=str(exc)) from None
    try:
        return _ENTRY.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"][1:] or first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown field"
        raise ProjectError(f"{where}: invalid ledger entry: {loc}: {message}",
                           "run `mibtrack verify`; entries are never edited by hand",
                           kind="invalid-entry", detail=f"{loc}: {message}") from None
