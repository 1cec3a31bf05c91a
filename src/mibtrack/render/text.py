"""Text that users typed, made safe to show: no control or escape characters reach a terminal."""

from __future__ import annotations

import re
from decimal import Decimal

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def literal(text: str | None) -> str:
    """Control characters (ANSI escapes included) shown as visible `\\xNN`, newlines as spaces."""
    if not text:
        return ""
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


_CONTROL_NOT_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")


def control_codes_shown(text: str) -> str:
    """A whole document for a terminal: control codes visible as `\\xNN`, lines kept."""
    return _CONTROL_NOT_NEWLINE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


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

    if places is not None and value != value.quantize(Decimal(10) ** -places):
        value = value.quantize(Decimal(10) ** -places)
    if value == 0:
        value = abs(value)  # never "-0"
    if french():
        if _is_money(unit, currency):
            return money(value, unit.upper())  # type: ignore[union-attr]
        return with_unit(number(value), value, unit)
    text = group_digits(value)
    if _is_money(unit, currency):
        symbol = _CURRENCY_SYMBOLS.get(unit.upper())  # type: ignore[union-attr]
        if symbol:
            return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
    return with_unit(text, value, unit)


def compact(value: Decimal | None, unit: str | None, currency: str | None = None) -> str:
    """At-a-glance form for tables: €30M, €1.25bn, 1.5k jobs, 23.2 companies; in French
    30 M€, 1,25 Md€, 1,5 k emplois."""
    if value is None:
        return "—"
    from .i18n import compact_money, compact_number, french

    magnitude = abs(value)
    if french():
        if magnitude < 1000:
            rounded = value.quantize(Decimal(1) if magnitude >= 100 else Decimal("0.1"))
            rounded = rounded.normalize() if rounded != rounded.to_integral() \
                else rounded.to_integral()
            if rounded == 0:
                rounded = abs(rounded)
            if _is_money(unit, currency):
                return compact_money(rounded, unit.upper())  # type: ignore[union-attr]
            from .i18n import number

            return with_unit(number(rounded), rounded, unit)
        if _is_money(unit, currency):
            return compact_money(value, unit.upper())  # type: ignore[union-attr]
        return with_unit(compact_number(value), value, unit)
    for size, suffix in ((Decimal(10) ** 9, "bn"), (Decimal(10) ** 6, "M"),
                         (Decimal(10) ** 3, "k")):
        if magnitude >= size:
            scaled = (value / size).quantize(Decimal("0.01")).normalize()
            text = f"{scaled:f}{suffix}"
            break
    else:
        places = Decimal(1) if magnitude >= 100 else Decimal("0.1")
        shown = value.quantize(places).normalize() if value != value.to_integral() \
            else value.to_integral()
        if shown == 0:
            shown = abs(shown)
        text = f"{shown:f}"
    if _is_money(unit, currency) and unit.upper() in _CURRENCY_SYMBOLS:  # type: ignore[union-attr]
        symbol = _CURRENCY_SYMBOLS[unit.upper()]  # type: ignore[union-attr]
        return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
    return with_unit(text, value, unit)
