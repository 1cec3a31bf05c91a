"""Numbers and dates as people type them: exact decimals, strict dates, bounded values."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mibtrack.errors import UsageError
from mibtrack.values import end_of_day, parse_date, parse_moment, parse_value


@pytest.mark.parametrize(("text", "expected"), [
    ("30000000", "30000000"),
    ("30_000_000", "30000000"),
    ("30e6", "30000000"),
    ("30M", "30000000"),
    ("1.5k", "1500"),
    ("2.5bn", "2500000000"),
    ("0.10", "0.1"),
    ("-12.5", "-12.5"),
    (" 7 ", "7"),
    ("1.000001", "1.000001"),
])
def test_values_accept_the_forms_the_spec_lists(text: str, expected: str) -> None:
    assert parse_value(text) == Decimal(expected)


@pytest.mark.parametrize("text", [
    "abc", "", "NaN", "inf", "-Infinity", "1e400000", "1,5", "1__0", "_1", "30MM", "1.0000001",
    "1e15", "-1e15", "0x10", "1 000", "1e1000000", "1e1000000k",
    "1e-999999999",  # not a silent 0: a value that small is a typo
])
def test_values_refuse_typing_mistakes(text: str) -> None:
    with pytest.raises(UsageError):
        parse_value(text)


def test_french_decimal_comma_with_spaced_thousands() -> None:
    assert parse_value("1 234,5", decimal_comma=True) == Decimal("1234.5")
    assert parse_value("1\u202f234,50", decimal_comma=True) == Decimal("1234.5")


def test_a_million_entries_of_ten_cents_sum_exactly() -> None:
    tenth = parse_value("0.10")
    assert sum([tenth] * 1_000_000, Decimal(0)) == Decimal("100000.00")


def test_dates_are_strict_iso() -> None:
    assert parse_date("2025-06-30") == dt.date(2025, 6, 30)
    for bad in ("2023-02-30", "30/06/2025", "20250630", "someday", "2025-6-30"):
        with pytest.raises(UsageError):
            parse_date(bad)


def test_known_at_date_means_the_end_of_that_day_utc() -> None:
    assert parse_moment("2025-03-31") == end_of_day(dt.date(2025, 3, 31))
    assert parse_moment("2025-03-31") == dt.datetime(2025, 3, 31, 23, 59, 59, 999999,
                                                     tzinfo=dt.UTC)
    assert parse_moment("2025-03-31T18:00:00") == dt.datetime(2025, 3, 31, 18, tzinfo=dt.UTC)
    assert parse_moment("2025-03-31T20:00:00+02:00") == dt.datetime(2025, 3, 31, 18,
                                                                   tzinfo=dt.UTC)
    with pytest.raises(UsageError):
        parse_moment("last tuesday")


def test_dates_outside_1900_to_2999_are_typos() -> None:
    for bad in ("0010-01-01", "1899-12-31", "3000-01-01"):
        with pytest.raises(UsageError, match="out of range"):
            parse_date(bad)
    for bad in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        with pytest.raises(UsageError, match="out of range"):
            parse_moment(bad)


def test_figures_for_people_round_a_half_away_from_zero() -> None:
    """A board reads 172.5 MW as 173 MW and 12.5 % as 13 %, as it would round by hand; a
    banker's tie to even (172, 12 %) looked like a figure from another report."""
    from mibtrack.render.cells import signed_amount
    from mibtrack.render.i18n import percent, use_locale
    from mibtrack.render.text import compact
    from mibtrack.values import rounded

    assert rounded(Decimal("172.5"), Decimal(1)) == 173
    assert rounded(Decimal("-2.345"), Decimal("0.01")) == Decimal("-2.35")
    assert compact(Decimal("172.5"), "MW") == "173 MW"
    assert percent(Decimal("0.125")) == "13%"
    assert signed_amount(Decimal("-2.345"), "jobs", "EUR") == "-2.35 jobs"
    assert signed_amount(Decimal("5"), "jobs", "EUR") == "+5 jobs"
    with use_locale("fr"):
        assert compact(Decimal("172.5"), "MW") == "173 MW"
        assert percent(Decimal("0.125")).replace("\u202f", " ").replace("\xa0", " ") == "13 %"


@settings(max_examples=400, deadline=None)
@given(st.from_regex(r"-?[0-9]{1,30}(\.[0-9]{1,30})?", fullmatch=True))
def test_a_plain_number_is_read_as_the_general_reading_reads_it(text: str) -> None:
    """`parse_value` reads most cells of an import by a shortcut: it must agree with the
    general reading, figure and refusal alike."""
    from mibtrack.values import _parse_value

    def read(parse) -> tuple[str, object]:
        try:
            value = parse(text)
        except UsageError as exc:
            return "refused", (exc.message, exc.hint)
        return "read", (value, str(value))

    assert read(parse_value) == read(_parse_value)
