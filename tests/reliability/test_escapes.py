"""Suite 9: text is inert everywhere. Terminal escapes and invisible or bidi characters
typed into any field (titles, units, sources, notes, keys, ids, TOML keys, file names) reach
no output as themselves: terminal tables, stderr, Markdown, HTML and its inline SVG, CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mibtrack.render.text import _UNSAFE_RANGES, literal

from .conftest import cli

#: One of each kind of attack: OSC 52 (clipboard write), clear screen, C1 CSI, RTL
#: override, line separator, BOM, soft hyphen, Arabic letter mark, bidi isolate, NUL, DEL.
NASTY = ("\x1b]52;c;aGFjaw==\x07", "\x1b[2J", "\x9b31m", "\u202e", "\u2028", "\ufeff",
         "\u00ad", "\u061c", "\u2066", "\x00", "\x7f", "\u200f")
PAYLOAD = "".join(NASTY)
#: How they must show: visibly, as escapes.
SHOWN = ("\\x1b]52;c;aGFjaw==\\x07", "\\x1b[2J", "\\x9b31m", "\\u202e", "\\u2028", "\\ufeff",
         "\\xad", "\\u061c", "\\u2066", "\\x00", "\\x7f", "\\u200f")


def _unsafe_in(text: str, keep: str = "\n") -> list[str]:
    return [c for c in text if c not in keep
            and any(a <= ord(c) <= b for a, b in _UNSAFE_RANGES)]


def _toml(payload: str) -> str:
    esc = json.dumps(payload)[1:-1]  # TOML basic strings take JSON's escapes
    return f"""\
[program]
name = "P{esc}"
code = "PRG"
start = 2025-01-01
end = 2029-12-31
currency = "EUR"

[metrics.jobs]
unit = "jobs{esc}"
aggregate = "latest"

[[objectives]]
id = "jobs"
title = "T{esc}"
kind = "target"
metric = "jobs"
target = 100
due = 2027-12-31
source = "S{esc}"
owner = "O{esc}"

[[objectives]]
id = "launch"
title = "L{esc}"
kind = "milestone"
due = 2025-06-30

[[objectives]]
id = "both"
title = "B{esc}"
kind = "composite"
children = ["jobs", "launch"]
"""


@pytest.fixture
def nasty(tmp_path: Path) -> Path:
    root = tmp_path / "nasty"
    (root / "ledger").mkdir(parents=True)
    (root / "objectives.toml").write_text(_toml(PAYLOAD), encoding="utf-8")
    for argv in (("record", "jobs", "45", "--date", "2025-06-30", "--source", f"s{PAYLOAD}",
                  "--note", f"n{PAYLOAD}"),
                 ("milestone", "launch", "at-risk", "--date", "2025-03-01", "--note",
                  f"m{PAYLOAD}"),
                 ("note", "jobs", f"t{PAYLOAD}", "--date", "2025-07-01")):
        code, _, err = cli("--dir", root, "--writer", "alice", *argv)
        assert code == 0, err
    return root


@pytest.mark.parametrize("argv", [
    ("status",), ("status", "--json"), ("report",), ("report", "--format", "markdown"),
    ("report", "--format", "csv"), ("report", "--format", "html"), ("report", "--format", "json"),
    ("show", "jobs"), ("show", "launch"), ("show", "both"), ("log",), ("objectives",),
    ("check", "--fail-on", "at-risk"), ("validate",),
])
def test_no_unsafe_character_reaches_an_output(nasty: Path, argv: tuple[str, ...]) -> None:
    code, out, err = cli("--dir", nasty, *argv, "--as-of", "2025-12-31") \
        if argv[0] in ("status", "report", "show", "check") else cli("--dir", nasty, *argv)
    assert code in (0, 1), err
    assert _unsafe_in(out) == [] and _unsafe_in(err) == []
    if argv[-1] not in ("--json", "json", "validate"):  # JSON: its own escapes (\u001b)
        assert any(shown in out for shown in SHOWN), out[:400]


def test_html_svg_text_is_inert(nasty: Path) -> None:
    code, out, _ = cli("--dir", nasty, "report", "--format", "html", "--as-of", "2025-12-31")
    assert code == 0
    svg = out[out.index("<svg"):]
    assert "\x1b" not in svg and "\\x1b" in svg  # the unit on the y axis, the titles


def test_stderr_names_are_inert(nasty: Path, tmp_path: Path) -> None:
    """A file name, an output path and a TOML key, all typed with escapes, on stderr."""
    code, _, err = cli("--dir", nasty, "import", str(tmp_path / f"x{PAYLOAD}.csv"))
    assert code == 2 and _unsafe_in(err) == [] and "\\x1b[2J" in err
    code, _, err = cli("--dir", nasty, "export", "-o", str(tmp_path / f"no{PAYLOAD}" / "f.csv"))
    assert code == 2 and _unsafe_in(err) == []
    toml = nasty / "objectives.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        '[metrics.jobs]', '[metrics."jobs\\u001b[2J\\u202e"]'), encoding="utf-8")
    code, _, err = cli("--dir", nasty, "status")
    assert code == 3 and _unsafe_in(err) == [] and err.count("\n") == 1


def test_keys_with_control_characters_are_refused_by_import_as_by_key(nasty: Path,
                                                                      tmp_path: Path) -> None:
    csv = tmp_path / "rows.csv"
    csv.write_text("metric,value,date,key\njobs,50,2025-07-01,a\x01b\n", encoding="utf-8")
    code, out, err = cli("--dir", nasty, "import", csv)
    assert code == 2 and out == "" and f"{csv}:2: column key" in err
    code, _, err = cli("--dir", nasty, "record", "jobs", "50", "--key", "a\x01b")
    assert code == 2 and "not usable" in err


def test_export_then_import_keeps_text_exactly(tmp_path: Path) -> None:
    """Notes starting with `'`, with formula starts, with escapes: export (to a file: data,
    byte for byte) then import into a fresh project gives the same text back."""
    texts = ["'quoted", "'=not a formula", "=1+1", "-5 jobs", "plain", f"esc{PAYLOAD[:8]}"]
    one = tmp_path / "one"
    two = tmp_path / "two"
    for root in (one, two):
        (root / "ledger").mkdir(parents=True)
        (root / "objectives.toml").write_text(_toml(""), encoding="utf-8")
    for n, text in enumerate(texts):
        assert cli("--dir", one, "record", "jobs", str(n + 1), "--date", f"2025-0{n + 1}-01",
                   "--note", text, "--source", text)[0] == 0
    out = tmp_path / "out.csv"
    assert cli("--dir", one, "export", "-o", out)[0] == 0
    code, _, err = cli("--dir", two, "import", out)
    assert code == 0, err

    def notes(root: Path) -> list[tuple[str, str]]:
        entries = json.loads(cli("--dir", root, "log", "--json")[1])["entries"]
        return [(e["note"], e["source"]) for e in entries]

    assert notes(two) == notes(one) == [(t, t) for t in texts]


def test_literal_covers_every_control_format_and_separator_character() -> None:
    """The table is the definition's fast form: every code point of categories Cc, Cf, Cs,
    Zl and Zp in this Python's Unicode database is escaped; letters, digits, marks, emoji,
    spaces and symbols are not."""
    import sys
    import unicodedata

    unsafe_categories = {"Cc", "Cf", "Cs", "Zl", "Zp"}
    missed, spoiled = [], []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        shown = literal(char) if char not in "\n\r\t" else None
        if shown is None:
            continue
        if category in unsafe_categories and shown == char:
            missed.append(hex(code))
        elif category not in unsafe_categories | {"Cn"} and shown != char:
            spoiled.append(hex(code))
    assert missed == [] and spoiled == []
    assert literal("a\nb\tc") == "a b c"
    assert literal("\x1b[2J") == "\\x1b[2J" and literal("\u202e") == "\\u202e"
    assert literal("\U000e0041") == "\\U000e0041"


def test_feed_names_with_escapes_are_inert_in_verify_and_warnings(nasty: Path) -> None:
    import shutil

    name = "x" + PAYLOAD.replace("\x00", "")  # a file name holds anything but NUL and /
    shutil.copy(nasty / "ledger" / "alice.jsonl", nasty / "ledger" / f"{name}.jsonl")
    code, out, err = cli("--dir", nasty, "verify")
    assert code == 4 and _unsafe_in(out) == [] and _unsafe_in(err) == []
    assert "\\x1b[2J" in out
    code, out, err = cli("--dir", nasty, "status", "--as-of", "2025-12-31")
    assert code == 0 and _unsafe_in(err) == [] and "left out" in err


@pytest.fixture
def nastier(nasty: Path) -> Path:
    """`nasty` with two plan versions (reasons typed with escapes; the second version's
    target and a new metric's unit too) and a correction, a void and a note
    after the first version, so `plans`, `diff` and `log` have something to show."""
    code, _, err = cli("--dir", nasty, "--writer", "alice", "replan", "--reason",
                       f"r{PAYLOAD}", "--decided", "2025-01-15")
    assert code == 0, err
    code, out, err = cli("--dir", nasty, "--writer", "alice", "record", "jobs", "60",
                         "--date", "2025-09-30", "--source", f"x{PAYLOAD}")
    assert code == 0, err
    entry = out.strip()
    for argv in (("correct", entry, "--value", "61", "--reason", f"c{PAYLOAD}"),
                 ("note", "both", f"b{PAYLOAD}", "--date", "2025-10-01")):
        code, _, err = cli("--dir", nasty, "--writer", "alice", *argv)
        assert code == 0, (argv, err)
    toml = nasty / "objectives.toml"
    esc = json.dumps(PAYLOAD)[1:-1]
    toml.write_text(toml.read_text(encoding="utf-8").replace("target = 100", "target = 120")
                    + f'\n[metrics.cash]\nunit = "EUR{esc}"\naggregate = "sum"\n',
                    encoding="utf-8")
    code, _, err = cli("--dir", nasty, "--writer", "alice", "replan", "--reason",
                       f"second{PAYLOAD}", "--decided", "2025-11-01")
    assert code == 0, err
    return nasty


@pytest.mark.parametrize("argv", [
    ("plans",), ("plans", "--json"),
    ("diff", "--since", "2025-01-01T00:00:00Z"),
    ("diff", "--since", "2025-01-01T00:00:00Z", "--json"),
    ("log",), ("log", "--json"), ("writers", "list"), ("writers", "list", "--json"),
    ("report", "--period", "quarter"), ("report", "--format", "markdown", "--period", "month"),
    ("report", "--format", "html", "--period", "quarter"),
    ("report", "--format", "csv", "--period", "quarter"),
    ("show", "jobs", "--json"), ("show", "both", "--period", "quarter"),
    ("check", "--json"), ("objectives", "--json"), ("validate",), ("verify",),
])
def test_the_newest_outputs_are_inert_too(nastier: Path, argv: tuple[str, ...]) -> None:
    # plans, diff, log, writers list and the board documents (markdown, HTML with its
    # milestone trend chart, CSV, by period): every user-typed string through `literal`
    dated = argv[0] in ("report", "show", "check", "diff")
    code, out, err = cli("--dir", nastier, *argv, *(("--as-of", "2025-12-31") if dated else ()))
    assert code in (0, 1), err
    assert _unsafe_in(out) == [] and _unsafe_in(err) == [], argv
    if argv[0] in ("plans", "log", "diff") and "--json" not in argv:
        assert any(shown in out for shown in SHOWN), out[:600]


def test_a_signing_key_comment_is_inert(tmp_path: Path, nasty: Path) -> None:
    key = tmp_path / "keys" / "k"
    code, out, err = cli("--dir", nasty, "keygen", "--output", str(key), "--comment",
                         f"me{PAYLOAD}")
    assert code == 0, err
    assert _unsafe_in(out) == [] and _unsafe_in(err) == []
