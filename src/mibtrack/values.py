"""Parsing of the numbers and dates people type: exact decimals, ISO dates, UTC moments.

Values are `Decimal`, never floats, so a million entries of 0.10 sum to exactly 100000.00.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Context, Decimal, DecimalException, localcontext

from .errors import UsageError

#: Arithmetic context for every sum and ratio: 40 digits hold a million values below 10^15
#: with six decimal places without rounding.
DECIMAL_CONTEXT = Context(prec=40)

#: Values are below 10^MAX_EXPONENT in magnitude (judged by the exponent alone).
MAX_EXPONENT = 15
MAX_PLACES = 6

_SUFFIXES = {"k": Decimal(10) ** 3, "K": Decimal(10) ** 3, "M": Decimal(10) ** 6,
             "G": Decimal(10) ** 9, "B": Decimal(10) ** 9, "bn": Decimal(10) ** 9}
_NUMBER = re.compile(
    r"""^(?P<sign>[+-]?)
        (?P<int>\d(?:_?\d)*)?(?:\.(?P<frac>\d(?:_?\d)*)?)?
        (?:[eE](?P<exp>[+-]?\d{1,9}))?
        \s*(?P<suffix>k|K|M|G|B|bn)?$""",
    re.VERBOSE | re.ASCII,
)
#: Where the decimal mark is the comma, a `.` only groups thousands, as in `1.234.567,25`.
_DOT_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?(?:[eE][+-]?\d+)?\s*"
                          r"(?:k|K|M|G|B|bn)?$", re.ASCII)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
#: Dates people may type: a year like 0025 is a typo, and charts cannot draw it.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def canonical(value: Decimal) -> Decimal:
    """The shortest exact form: no exponent, no trailing zeros (3E+7 → 30000000, 0.10 → 0.1)."""
    if value == 0:
        return Decimal(0)
    return Decimal(format(value.normalize(DECIMAL_CONTEXT), "f"))


def rounded(value: Decimal, quantum: Decimal) -> Decimal:
    """`value` to `quantum` as people round a figure they read: a half goes away from zero
    (172.5 → 173, 12.5 % → 13 %), never to the even neighbour. For display only: the
    computation keeps its exact values (compute/formulas.py)."""
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def check_value(value: Decimal, what: str = "value", typed: str | None = None) -> Decimal:
    """Refuse what can only be a typing mistake; return the canonical form. `typed` is the
    text as the user wrote it, for the message."""
    shown = repr(typed.strip()) if typed is not None else str(value)
    if not value.is_finite():
        raise UsageError(f"{what} {shown} is not a finite number", "type a plain number like 1250")
    # judged by the exponent alone: arithmetic on 1e1000000 would overflow, and on
    # 1e-999999999 underflow to a silent 0
    if value and value.adjusted() >= MAX_EXPONENT:
        raise UsageError(f"{what} {shown} is too large (at most 10^{MAX_EXPONENT} in magnitude)",
                         "check for extra digits")
    if value and value.adjusted() < -MAX_PLACES:
        raise UsageError(f"{what} {shown} has more than {MAX_PLACES} decimal places",
                         "round it to 6 places")
    value = canonical(value)
    if -value.as_tuple().exponent > MAX_PLACES:  # type: ignore[operator]
        raise UsageError(f"{what} {shown} has more than {MAX_PLACES} decimal places",
                         "round it to 6 places")
    return value


def parse_value(text: str, what: str = "value", decimal_comma: bool = False) -> Decimal:
    """Parse `30000000`, `30_000_000`, `30e6`, `30M`, `1.5k`; `1 234,5` with a decimal comma.

    A number whose reading depends on the decimal mark is refused (SPEC R2): with the point
    (the default), any comma (`1,234.5`, `1,5`); with the comma, a `.` that does not group
    thousands as in `1.234,5`. Digits are ASCII 0-9 only (`١٢٣`, `５` are refused)."""
    if not decimal_comma and _PLAIN_NUMBER(text):  # most cells of an import: read as below
        return check_value(Decimal(text), what, text)
    return _parse_value(text, what, decimal_comma)


#: A plain number as `parse_value` reads it, with nothing to undo: ASCII digits, at most one
#: point, no sign but `-`, no exponent, suffix, separator or space (tests/test_values.py
#: holds `parse_value` on these to `_parse_value`, the general reading).
_PLAIN_NUMBER = re.compile(r"-?\d{1,30}(?:\.\d{1,30})?", re.ASCII).fullmatch


def _parse_value(text: str, what: str = "value", decimal_comma: bool = False) -> Decimal:
    """`parse_value`, any spelling."""
    raw = text.strip()
    if any(ch.isdigit() and not ch.isascii() for ch in raw):
        raise UsageError(f"{what} {text!r} has digits other than 0-9",
                         "type the number with the digits 0 to 9")
    if decimal_comma:
        raw = raw.replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
        if not dots_group_thousands(raw):
            raise UsageError(f"{what} {text!r} is ambiguous where the decimal mark is the comma",
                             "write 1234,5 (a '.' only groups thousands, as in 1.234,5)")
        raw = raw.replace(".", "").replace(",", ".")
    elif "," in raw:
        plain = raw.replace(",", "")
        suggestion = plain if "." in raw else f"{raw.replace(',', '.')} or {plain}"
        raise UsageError(f"{what} {text!r} is ambiguous: a comma may group thousands or mark "
                         "decimals", f"quote it as {suggestion}")
    match = _NUMBER.match(raw)
    if not raw or not match or not (match["int"] or match["frac"]):
        raise UsageError(f"{what} {text!r} is not a number",
                         "use digits like 30000000, 30_000_000, 30e6, 30M or 1.5k")
    digits = f"{match['sign']}{match['int'] or '0'}.{match['frac'] or '0'}".replace("_", "")
    if match["exp"]:
        digits += f"e{match['exp']}"
    try:
        with localcontext(DECIMAL_CONTEXT):
            value = Decimal(digits)
            if match["suffix"] and value.adjusted() < 30:
                value *= _SUFFIXES[match["suffix"]]
    except DecimalException:
        raise UsageError(f"{what} {text!r} is too large (at most 10^{MAX_EXPONENT} in "
                         "magnitude)",
                         "check for extra digits") from None
    return check_value(value, what, text)


def dots_group_thousands(text: str) -> bool:
    """Where the decimal mark is the comma, is every `.` of `text` a thousands separator
    (as in `1.234,5`; true when there is none)? Otherwise its reading is ambiguous."""
    raw = text.strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    return "." not in raw or bool(_DOT_GROUPED.match(raw))


def parse_date(text: str, what: str = "date") -> dt.date:
    """A calendar date written YYYY-MM-DD; anything else is refused with the expected form."""
    raw = text.strip()
    if not _ISO_DATE.match(raw):
        raise UsageError(f"{what} {text!r} is not a date",
                         "write it as YYYY-MM-DD, e.g. 2025-06-30")
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise UsageError(f"{what} {text!r} is not a real date ({exc})",
                         "check the day and month") from None
    return _in_range(day, text, what)


def _in_range(day: dt.date, text: str, what: str) -> dt.date:
    """A date outside 1900–2999 is a typo, however it was written."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise UsageError(f"{what} {text!r} is out of range ({FIRST_DAY.year}–{LAST_DAY.year})",
                         "check the year")
    return day


def end_of_day(day: dt.date) -> dt.datetime:
    """The last microsecond of a UTC day: `--known-at 2025-03-31` includes all of that day."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)


def parse_moment(text: str, what: str = "--known-at") -> dt.datetime:
    """A UTC moment: an ISO timestamp (naive means UTC), or a date meaning the end of that day."""
    raw = text.strip()
    if _ISO_DATE.match(raw):
        return end_of_day(parse_date(raw, what))
    try:
        moment = dt.datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise UsageError(f"{what} {text!r} is not a date or timestamp",
                         "write 2025-03-31 or 2025-03-31T18:00:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        moment = moment.astimezone(dt.UTC)
    except OverflowError:
        moment = dt.datetime.min.replace(tzinfo=dt.UTC)  # forces the range error below
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise UsageError(f"{what} {text!r} is out of range ({FIRST_DAY.year}–{LAST_DAY.year})",
                         "check the year")
    return moment


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def format_moment(moment: dt.datetime) -> str:
    """UTC with microseconds and a Z, the one form stored in the ledger."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --------------------------------------------------------------------------- locale fr input

_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_FR_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?$")
_FR_DOTTED = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?\s*(?:k|K|M|G|B|bn)?$")
_SPACES = " \u00a0\u202f"


def parse_date_in(text: str, what: str = "date", locale: str = "en") -> dt.date:
    """`parse_date`, and under `locale = "fr"` also `31/03/2026` (day first, always: a
    `03/31/2026` is refused, there is no 31st month)."""
    raw = text.strip()
    match = _FR_DATE.match(raw) if locale == "fr" else None
    if match is None:
        if "/" in raw and locale != "fr":
            raise UsageError(f"{what} {text!r} is not a date",
                             "write it as YYYY-MM-DD, e.g. 2025-06-30 (31/03/2026 is read "
                             "only with [program] locale = \"fr\")")
        return parse_date(text, what)
    day_, month, year = (int(part) for part in match.groups())
    try:
        day = dt.date(year, month, day_)
    except ValueError as exc:
        raise UsageError(f"{what} {text!r} is not a real date ({exc})",
                         "write the day first: 31/03/2026") from None
    return _in_range(day, text, what)


def parse_value_in(text: str, what: str = "value", locale: str = "en",
                   units: tuple[str, ...] = ()) -> Decimal:
    """`parse_value`, and under `locale = "fr"` the way French is written: `1 250`,
    `1 234,5`, `1.234,5`, `41,2 %`, `1 000 000,00 €`, `1,5k`. A `.` there only groups
    thousands (`1.234,5`): `1.5` or `1,234.5` is refused as ambiguous.

    `units`: what a typist may write after the number in this programme (the metric's unit,
    the programme's currency), so `150 MW` or `1 250 000 SEK` read as they do in a table;
    under `fr` also `€`, `EUR` and `%`."""
    raw = text.strip()
    suffixes = (*units, "€", "EUR", "%") if locale == "fr" else units
    # a unit spelled like a multiplier (`k`, `M`) is never stripped: 30M stays thirty million
    usable = {u for u in suffixes if u.strip() and u not in _SUFFIXES}
    for unit in sorted(usable, key=len, reverse=True):
        if raw.endswith(unit) and raw[: -len(unit)].strip(_SPACES):
            raw = raw[: -len(unit)].rstrip(_SPACES)
            break
    if locale != "fr":
        return parse_value(raw, what)
    if "." in raw and not _FR_DOTTED.match(raw):
        raise UsageError(f"{what} {text!r} is ambiguous: under locale fr the decimal mark is "
                         "the comma", "write 1234,5 (or 1 234,5); a point only groups "
                         "thousands, as in 1.234,5")
    if any(space in raw for space in _SPACES):
        if not _FR_GROUPED.match(raw):
            raise UsageError(f"{what} {text!r} is not a number",
                             "group thousands by three, as in 1 250 or 1 000 000,00, and write "
                             f"no unit but {', '.join(dict.fromkeys(suffixes))}")
        raw = "".join(c for c in raw if c not in _SPACES)
    return parse_value(raw, what, decimal_comma=True)


#: An idempotency key: 1 to this many characters, all printable.
MAX_KEY_LENGTH = 200


def key_problem(key: str) -> str | None:
    """Why a key cannot be used (None: it can). The one rule for `--key` and `import`'s
    key column: 1 to 200 printable characters (no control, format or separator character
    but the space, so a key shows as what it is)."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        return f"must be 1 to {MAX_KEY_LENGTH} characters"
    if not key.isprintable():
        return "holds a control or invisible character"
    return None


# --------------------------------------------------------------------------- spreadsheet cells

#: A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading `'`; so does one
    starting with `'` (`csvio.unescape` drops exactly one: export→import keeps the text).
    The one escaping of every CSV mibtrack writes (export and the CSV report)."""
    return "'" + text if text.startswith((*FORMULA_STARTS, "'")) else text
