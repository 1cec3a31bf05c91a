"""The strict reader of canonical observation lines, compiled (msgspec), and proven equal
to the model.

Nearly every line of a big ledger is an observation in the one form the encoder writes
(fixed key order, compact JSON). Such a line is read by one typed msgspec `Struct`
declared field by field from `model.Observation`: unknown fields refused, every field of
its JSON type (no NaN, no float, no bool for a number), `v` exactly 1, `seq` ≥ 1, the key
1 to 200 characters, the hashes 64 characters, strict UTF-8 and JSON string escapes. Then
the line must be exactly what the encoder writes for what was read (`encode(struct) ==
line`): no duplicate or reordered key, no whitespace, no other spelling. What a `Struct`
cannot say is checked with the model's own rules once per distinct value (a ledger has
few writers, metrics, days and value texts): the identifier and writer patterns, real
calendar days, UTC moments, a plain decimal within the bounds (`values.check_value`), and
lowercase hex for `prev` and `id` (a batch of lines at a time).

A line this reader does not take is not refused here: `codec.decode` reads it with the
pydantic model (`model.Entry`), the definition, which accepts or refuses it with its own
message. `tests/test_lines.py` holds this reader to the model on random valid and mutated
lines: whatever it takes, the model takes, with the same fields.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec
from pydantic_core import TzInfo

from ..errors import MibtrackError
from ..model import (
    ID_PATTERN,
    WRITER_PATTERN,
    KeyedObservation,
    Observation,
    observation_content,
)
from ..values import check_value

_Hash = Annotated[str, msgspec.Meta(min_length=64, max_length=64)]


class ObservationLine(msgspec.Struct, kw_only=True, forbid_unknown_fields=True,
                      omit_defaults=True, gc=False):
    """`model.Observation` as stored, in the encoder's key order (every field as text)."""

    v: Literal[1]
    seq: Annotated[int, msgspec.Meta(ge=1)]
    type: Literal["observation"]
    writer: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    recorded_at: Annotated[str, msgspec.Meta(min_length=27, max_length=27)]
    as_of: Annotated[str, msgspec.Meta(min_length=10, max_length=10)]
    metric: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    value: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    source: str | None = None
    note: str | None = None
    evidence: str | None = None  # rare: a line holding one is read by the model
    key: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    recovered_from: str | None = None  # rare: a line holding one is read by the model
    prev: _Hash
    sig: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)] | None = None
    id: _Hash


_decode = msgspec.json.Decoder(ObservationLine).decode
#: Decodes a line into an `ObservationLine`, raising one of `REFUSED` when it cannot; the
#: caller then also asks `encode(struct) == line` and `Checks.line_ok` (see `read`).
decode_struct = _decode
REFUSED = (msgspec.ValidationError, msgspec.DecodeError)
_encode = msgspec.json.Encoder().encode
#: The bytes the encoder writes for a line's fields (`read` takes only those).
encode = _encode
_WRITER = re.compile(WRITER_PATTERN)
_IDENTIFIER = re.compile(ID_PATTERN)
_DAY = re.compile(r"\d{4}-\d\d-\d\d\Z")
_CLOCK = re.compile(r"T\d\d:\d\d:\d\d\.\d{6}Z\Z")
#: The codec's own definition of a stored value's spelling (`codec.parse_fields`).
_PLAIN_DECIMAL = re.compile(r"^-?(0|[1-9]\d*)(\.\d*[1-9])?$")
_HEX = b"0123456789abcdef"
_SIG = re.compile(r"[A-Za-z0-9+/]+={0,2}").fullmatch  # the model's pattern for `sig`
_MEMO = 1 << 16  # distinct values remembered per field (bounded memory: a few MB)


def _writer_ok(text: str) -> bool:
    return _WRITER.match(text) is not None and "\n" not in text


def _identifier_ok(text: str) -> bool:
    return _IDENTIFIER.match(text) is not None and "\n" not in text


def _day_ok(text: str) -> bool:
    if not _DAY.match(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _clock_ok(text: str) -> bool:
    """`THH:MM:SS.ffffffZ`, a real time of day."""
    if not _CLOCK.match(text):
        return False
    try:
        dt.time.fromisoformat(text[1:9])
    except ValueError:
        return False
    return True


def _value_ok(text: str) -> bool:
    if not _PLAIN_DECIMAL.match(text) or "\n" in text:
        return False
    try:
        check_value(Decimal(text))
    except MibtrackError:
        return False
    return True


#: Sufficient spellings, tried first: a time of day `THH:MM:SS.ffffffZ` that exists, and a
#: plain decimal within the bounds as the encoder writes it (at most 15 integer digits and
#: 6 places, no trailing zero). What they do not match is judged by the rules above.
_CLOCK_FAST = re.compile(r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z\Z").match
_VALUE_FAST = re.compile(r"0|-?(?:0\.\d{0,5}[1-9]|[1-9]\d{0,14}(?:\.\d{0,5}[1-9])?)").fullmatch


class Checks:
    """The model's rules for each field, applied once per distinct value seen."""

    def __init__(self) -> None:
        self.writers: set[str] = set()
        self.metrics: set[str] = set()
        self.days: set[str] = set()
        self.moments: set[str] = set()  # whole recorded_at texts seen valid (an import's
        self.values: set[str] = set()  # batch shares one) and value texts seen valid
        self._good: dict[str, set[str]] = {"writer": self.writers, "metric": self.metrics,
                                           "day": self.days, "clock": set(), "value": set()}
        self._rules = {"writer": _writer_ok, "metric": _identifier_ok, "day": _day_ok,
                       "clock": _clock_ok, "value": _value_ok}

    def ok(self, field: str, text: str) -> bool:
        good = self._good[field]
        if text in good:
            return True
        if not self._rules[field](text):
            return False
        if len(good) >= _MEMO:
            good.clear()
        good.add(text)
        return True

    def line_ok(self, obs: ObservationLine) -> bool:
        """Every per-value rule but the hex of `prev` and `id` (see `hex_ok`)."""
        if obs.evidence is not None or obs.recovered_from is not None:
            return False  # rare fields: the model reads those lines
        if obs.sig is not None and not _SIG(obs.sig):
            return False
        moment, value = obs.recorded_at, obs.value
        moments, values = self.moments, self.values
        if (obs.writer in self.writers and obs.metric in self.metrics
                and obs.as_of in self.days
                and (moment in moments or (moment[:10] in self.days and _CLOCK_FAST(moment, 10)
                                           and _remember(moments, moment)))
                and (value in values or (_VALUE_FAST(value) and _remember(values, value)))):
            return True
        ok = self.ok
        return (ok("writer", obs.writer) and ok("metric", obs.metric)
                and ok("day", obs.as_of) and ok("day", moment[:10])
                and ok("clock", moment[10:]) and ok("value", obs.value))


def _remember(seen: set[str], text: str) -> bool:
    """Add `text` to a bounded memo of values seen valid; True."""
    if len(seen) >= _MEMO:
        seen.clear()
    seen.add(text)
    return True


def hex_ok(items: list[ObservationLine]) -> bool:
    """Are every item's `prev` and `id` lowercase hex (the model's HASH_PATTERN)?"""
    blob = "".join([o.prev + o.id for o in items])
    try:
        return not blob.encode("ascii").translate(None, _HEX)
    except UnicodeEncodeError:
        return False


def read(line: bytes) -> ObservationLine | None:
    """The observation a canonical line holds, its field types and encoding checked (not
    yet the per-value rules: `Checks.line_ok`, `hex_ok`); None for any other line."""
    try:
        obs = _decode(line)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    return obs if _encode(obs) == line else None


_CHECKS = Checks()
#: The process's memo of values proven valid, shared by every reader (`scan`, `fast_chain`):
#: the rules are per value, so one memo serves every feed, and a ledger of a thousand small
#: feeds does not learn its writers, days, moments and values again for each feed.
CHECKS = _CHECKS


def content(obs: ObservationLine) -> tuple[object, ...]:
    """`model.fact_content(obs)`, built directly (a re-import compares a million); held
    equal to it by tests/test_lines.py."""
    return observation_content(obs.as_of, obs.metric, obs.value)


def read_checked(line: bytes) -> ObservationLine | None:
    """`read`, with every per-value rule: an observation the model would accept as is."""
    obs = read(line)
    if obs is None or not _CHECKS.line_ok(obs) or not hex_ok([obs]):
        return None
    return obs


_new = object.__new__
_from_iso = dt.datetime.fromisoformat
_UTC = TzInfo(0)  # the zone pydantic gives a moment read from text ending in Z
_set = object.__setattr__
_ALWAYS = frozenset(("v", "seq", "type", "writer", "recorded_at", "as_of", "metric", "value",
                     "prev", "id"))


def to_entry(obs: ObservationLine) -> Observation:
    """The model's Observation for a checked line, built as the model builds it from that
    line (same values, same fields set) without validating it a second time."""
    value = obs.value
    fields: dict[str, Any] = {
        "v": 1, "seq": obs.seq, "writer": obs.writer,
        "recorded_at": _from_iso(obs.recorded_at[:-1]).replace(tzinfo=_UTC),
        "as_of": dt.date.fromisoformat(obs.as_of),
        "source": obs.source, "note": obs.note,
        "key": obs.key, "prev": obs.prev, "id": obs.id, "type": "observation",
        "evidence": None, "recovered_from": None, "sig": obs.sig,
        "metric": obs.metric,
        "value": Decimal(value) if _VALUE_FAST(value) else check_value(Decimal(value))}
    given = _ALWAYS.union(name for name in ("source", "note", "key", "sig")
                          if fields[name] is not None)
    entry = _new(Observation)
    _set(entry, "__dict__", {name: fields[name] for name in Observation.model_fields})
    _set(entry, "__pydantic_fields_set__", set(given))
    _set(entry, "__pydantic_extra__", None)
    _set(entry, "__pydantic_private__", None)
    return entry


_intern = sys.intern
_MOMENTS: dict[str, dt.datetime] = {}  # a batch's lines share one moment: shared objects
_DAYS: dict[str, dt.date] = {}


def to_keyed(obs: ObservationLine, key: str) -> KeyedObservation:
    """The compact record of a checked line with a key (`obs.key`): the values of
    `to_entry`, writer and metric interned, moments and days shared."""
    moment, day, value = obs.recorded_at, obs.as_of, obs.value
    when = _MOMENTS.get(moment)
    if when is None:
        if len(_MOMENTS) >= _MEMO:
            _MOMENTS.clear()
        when = _MOMENTS[moment] = _from_iso(moment[:-1]).replace(tzinfo=_UTC)
    date = _DAYS.get(day)
    if date is None:
        if len(_DAYS) >= _MEMO:
            _DAYS.clear()
        date = _DAYS[day] = dt.date.fromisoformat(day)
    return KeyedObservation(
        id=obs.id, key=key, writer=_intern(obs.writer), seq=obs.seq,
        recorded_at=when, as_of=date, metric=_intern(obs.metric),
        value=Decimal(value) if _VALUE_FAST(value) else check_value(Decimal(value)))
