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


def amount(value: Decimal | None, unit: str | None, currency: str | None = None,
           places: int | None = None) -> str:
    """A value with its unit: `€30,000,000` for the programme's currency, `240 jobs` otherwise;
    `places` rounds for display (plans and forecasts carry six decimals)."""
    if value is None:
        return "—"
    if places is not None and value != value.quantize(Decimal(10) ** -places):
        value = value.quantize(Decimal(10) ** -places)
    text = group_digits(value)
    if unit and currency and unit.upper() == currency.upper():
        symbol = _CURRENCY_SYMBOLS.get(unit.upper())
        if symbol:
            return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
    return f"{text} {unit}" if unit else text


def compact(value: Decimal | None, unit: str | None, currency: str | None = None) -> str:
    """At-a-glance form for tables: €30M, €1.25bn, 1.5k jobs, 23.2 companies."""
    if value is None:
        return "—"
    magnitude = abs(value)
    for size, suffix in ((Decimal(10) ** 9, "bn"), (Decimal(10) ** 6, "M"),
                         (Decimal(10) ** 3, "k")):
        if magnitude >= size:
            scaled = (value / size).quantize(Decimal("0.01")).normalize()
            text = f"{scaled:f}{suffix}"
            break
    else:
        places = Decimal(1) if magnitude >= 100 else Decimal("0.1")
        text = f"{value.quantize(places).normalize():f}" if value != value.to_integral() \
            else f"{value.to_integral():f}"
    if unit and currency and unit.upper() == currency.upper() and \
            unit.upper() in _CURRENCY_SYMBOLS:
        symbol = _CURRENCY_SYMBOLS[unit.upper()]
        return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
    return f"{text} {unit}" if unit else text
