"""Text that users typed, made safe to show: no control or escape characters reach a terminal."""

from __future__ import annotations

import re
from decimal import Decimal

from ..values import rounded

#: Characters that must never reach an output as themselves: every control (C0, DEL, C1:
#: ESC and CSI included), every format character (Unicode category Cf: bidi embeddings and
#: isolates U+202A–E and U+2066–9, marks U+200E/F and U+061C, zero-width characters, the
#: soft hyphen U+00AD, the BOM U+FEFF, tag characters…), lone surrogates (undecodable file
#: names) and the line and paragraph separators U+2028/9. The table is Unicode 15's
#: categories Cc, Cf, Cs, Zl and Zp; tests/test_text.py proves it covers the running
#: Python's.
_UNSAFE_RANGES = (
    (0x00, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x600, 0x605), (0x61C, 0x61C),
    (0x6DD, 0x6DD), (0x70F, 0x70F), (0x890, 0x891), (0x8E2, 0x8E2), (0x180E, 0x180E),
    (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F),
    (0xD800, 0xDFFF), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)
_UNSAFE = re.compile("[" + "".join(
    f"\\U{a:08x}-\\U{b:08x}" for a, b in _UNSAFE_RANGES) + "]")
_UNSAFE_NOT_NEWLINE = re.compile(r"(?![\t\n\r])" + _UNSAFE.pattern)


def visible(char: str) -> str:
    """One unsafe character as inert text: `\\x1b`, `\\u202e`, `\\U000e0041`."""
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def literal(text: str | None) -> str:
    """THE escaping rule for text users typed (titles, notes, sources, units, keys, ids,
    file names, TOML keys), on one line: newlines and tabs as spaces, every other unsafe
    character (see `_UNSAFE_RANGES`) shown visibly, e.g. `\\x1b`, `\\u202e`. Every output
    (terminal, stderr, HTML and its SVG, Markdown, CSV) passes user text through it."""
    if not text:
        return ""
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _UNSAFE.sub(lambda m: visible(m.group()), text)


def control_codes_shown(text: str) -> str:
    """A whole document for a terminal: `literal`'s rule, but lines (and tabs) kept."""
    return _UNSAFE_NOT_NEWLINE.sub(lambda m: visible(m.group()), text)


def group_digits(value: Decimal) -> str:
    """30000000 → 30,000,000; 1234.5 → 1,234.5 (exact, no float)."""
    sign = "-" if value < 0 else ""
    text = format(abs(value), "f")
    whole, _, frac = text.partition(".")
    grouped = f"{int(whole):,}"
    return f"{sign}{grouped}.{frac}" if frac else f"{sign}{grouped}"


_CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF "}


def singular_unit(unit: str) -> str:
    """The unit for one: `companies` → `company`, `jobs` → `job` (`emplois` → `emploi`)."""
    from .i18n import french

    if french():
        return unit[:-1] if len(unit) > 2 and unit[-1] in "sx" else unit
    if unit.endswith("ies") and len(unit) > 4:
        return unit[:-3] + "y"
    if unit.endswith("s") and not unit.endswith("ss") and len(unit) > 2:
        return unit[:-1]
    return unit


def with_unit(text: str, value: Decimal, unit: str | None) -> str:
    """`240 jobs`, `1 company` (never `1 companies`)."""
    if not unit:
        return text
    from .i18n import plural

    return f"{text} {plural(value, singular_unit(unit), unit)}"


def _is_money(unit: str | None, currency: str | None) -> bool:
    return bool(unit and currency and unit.upper() == currency.upper())


def amount(value: Decimal | None, unit: str | None, currency: str | None = None,
           places: int | None = None) -> str:
    """A value with its unit: `€30,000,000` for the programme's currency, `240 jobs` otherwise;
    `places` rounds for display (plans and forecasts carry six decimals). In French:
    `30 000 000 €`, `240 emplois`."""
    if value is None:
        return "—"
    from .i18n import french, money, number

    unit = literal(unit)
    if places is not None and value != rounded(value, Decimal(10) ** -places):
        value = rounded(value, Decimal(10) ** -places)
    if value == 0:
        value = abs(value)  # never "-0"
    if french():
        if _is_money(unit, currency):
            return money(value, unit.upper())
        return with_unit(number(value), value, unit)
    text = group_digits(value)
    if _is_money(unit, currency):
        symbol = _CURRENCY_SYMBOLS.get(unit.upper())
        if symbol:
            return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
    return with_unit(text, value, unit)


def compact(value: Decimal | None, unit: str | None, currency: str | None = None) -> str:
    """At-a-glance form for tables: €30M, €1.25bn, 1.5k jobs, 23.2 companies; in French
    30 M€, 1,25 Md€, 1,5 k emplois."""
    if value is None:
        return "—"
    from .i18n import compact_money, compact_number, french

    unit = literal(unit)
    magnitude = abs(value)
    if french():
        if magnitude < 1000:
            near = rounded(value, Decimal(1) if magnitude >= 100 else Decimal("0.1"))
            near = near.normalize() if near != near.to_integral() else near.to_integral()
            if near == 0:
                near = abs(near)
            if _is_money(unit, currency):
                return compact_money(near, unit.upper())
            from .i18n import number

            return with_unit(number(near), near, unit)
        if _is_money(unit, currency):
            return compact_money(value, unit.upper())
        return with_unit(compact_number(value), value, unit)
    for size, suffix in ((Decimal(10) ** 9, "bn"), (Decimal(10) ** 6, "M"),
                         (Decimal(10) ** 3, "k")):
        if magnitude >= size:
            scaled = rounded(value / size, Decimal("0.01")).normalize()
            text = f"{scaled:f}{suffix}"
            break
    else:
        places = Decimal(1) if magnitude >= 100 else Decimal("0.1")
        shown = rounded(value, places).normalize() if value != value.to_integral() \
            else value.to_integral()
        if shown == 0:
            shown = abs(shown)
        text = f"{shown:f}"
    if _is_money(unit, currency) and unit.upper() in _CURRENCY_SYMBOLS:
        symbol = _CURRENCY_SYMBOLS[unit.upper()]
        return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
    return with_unit(text, value, unit)
