"""A French programme's board pack: `[program] locale = "fr"` or `--locale fr` gives French
labels and status words, dates 31/03/2026, numbers 1 234,5 and 30 000 000 € (Babel); CSV
with `;` and the decimal comma; what people type read the French way. JSON never changes."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from report_support import AS_OF

from support import SMALL_TOML, ledger_digest

SPACES = re.compile("[\u00a0\u202f]")


def plain(text: str) -> str:
    """French typography uses no-break spaces; compare with ordinary ones."""
    return SPACES.sub(" ", text)


@pytest.fixture
def french(project: Path, seeded):
    toml = SMALL_TOML.replace('currency = "EUR"', 'currency = "EUR"\nlocale = "fr"')
    (project / "objectives.toml").write_text(toml, encoding="utf-8")
    return seeded


def test_the_markdown_board_pack_reads_french(french) -> None:
    out = plain(french("report", "--as-of", AS_OF, "--format", "markdown").out)
    assert "Point d'avancement au **30/04/2025**" in out
    assert "## Synthèse" in out and "## Points d'attention" in out
    assert "| ▼ hors trajectoire | 1 |" in out
    # funding: 1.5M + 2M = 3 500 000 €; jobs (quarterly) is read as at its last report,
    # 2025-03-31: plan 100 × 455/731 = 62.243502, variance 52 − 62.243502 = −10,24 jobs
    assert "| 3 500 000 € |" in out and "-10,24 jobs" in out
    assert "réalisé le 15/07/2024, 15 jours de retard (échéance 30/06/2024)" in out
    body = out.split("\n---\n")[0]  # the provenance stamp below keeps machine values (ISO)
    assert "2025-04-30" not in body and "off-track" not in out


def test_the_terminal_and_html_read_french(french) -> None:
    table = plain(french("report", "--as-of", AS_OF).out)
    assert "au 30/04/2025" in table and "Points d'attention" in table
    assert "3,5 M€" in table  # compact money: 3 500 000 €
    html = plain(unescape(french("report", "--as-of", AS_OF, "--format", "html").out))
    assert '<html lang="fr">' in html and "Synthèse" in html
    assert "Point d'avancement au <strong" in html
    status = plain(french("status", "--as-of", AS_OF).out)
    assert "▼ hors trajectoire" in status and "programme 01/01/2024 → 31/12/2030" in status


def test_locale_option_overrides_and_json_is_never_localised(seeded) -> None:
    def document(*extra: str) -> dict:
        doc = json.loads(seeded("report", "--as-of", AS_OF, "--format", "json", *extra).out,
                         parse_float=Decimal)
        doc.pop("generated_at")  # the moment the ledger was read: differs run to run
        return doc

    doc = document()
    assert document("--locale", "fr") == doc
    assert doc["program"]["locale"] == "en"
    out = plain(seeded("report", "--as-of", AS_OF, "--format", "markdown",
                       "--locale", "fr").out)
    assert "## Synthèse" in out
    bad = seeded("report", "--locale", "de")
    assert bad.code == 2 and bad.err.startswith("mibtrack: unknown locale 'de'")


def test_french_csv_has_semicolons_and_decimal_commas(french) -> None:
    out = french("report", "--as-of", AS_OF, "--format", "csv").out
    header, *rows = out.splitlines()
    assert header.startswith("id;kind;group;title;status")
    jobs = dict(zip(header.split(";"), next(r for r in rows if r.startswith("jobs;")).split(";"),
                    strict=True))
    assert jobs["planned"] == "62,243502" and jobs["actual"] == "52"  # plan at 2025-03-31


def test_french_export_imports_back(french, project: Path, tmp_path: Path) -> None:
    exported = french("export").out
    assert exported.startswith("date;metric;value;")
    assert "2024-02-15;funding_eur;1500000;" in exported
    path = tmp_path / "export.csv"
    path.write_text(exported, encoding="utf-8")
    fresh_project = tmp_path / "fresh"
    (fresh_project / "ledger").mkdir(parents=True)
    fresh_toml = (project / "objectives.toml").read_text(encoding="utf-8")
    (fresh_project / "objectives.toml").write_text(fresh_toml, encoding="utf-8")
    result = french("import", str(path), root=fresh_project)
    assert result.code == 0, result.err
    assert "imported 8 entries" in result.out  # 7 observations and the launch


def test_french_input_on_the_command_line(french, project: Path) -> None:
    result = french("record", "funding_eur", "1 000 000,00 €", "--date", "31/03/2025",
                    "--json")
    assert result.code == 0, result.err
    entry = json.loads(result.out, parse_float=Decimal)["entry"]
    assert (entry["value"], entry["as_of"]) == (1_000_000, "2025-03-31")
    assert json.loads(french("record", "jobs", "41,2 %", "--date", "2025-04-01",
                             "--json").out, parse_float=Decimal)["entry"]["value"] \
        == Decimal("41.2")
    before = ledger_digest(project)
    for value, date in (("1.5", "2025-04-02"), ("1,234.5", "2025-04-02"),
                        ("12", "03/31/2025")):
        refused = french("record", "jobs", value, "--date", date)
        assert refused.code == 2, (value, date)
        assert len(refused.err.splitlines()) == 1 and refused.out == ""
    assert ledger_digest(project) == before


def test_slash_dates_are_refused_in_english(seeded) -> None:
    result = seeded("record", "jobs", "12", "--date", "31/03/2025")
    assert result.code == 2 and "YYYY-MM-DD" in result.err


def test_the_french_workbook_has_french_headings_and_date_formats(french,
                                                                  tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "fr.xlsx"
    assert french("report", "--as-of", AS_OF, "--format", "xlsx", "--output",
                  str(out)).code == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Synthèse", "Prévu et réalisé", "Pièces", "À propos"]
    sheet = book["Synthèse"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Identifiant", "Intitulé", "Axe", "Responsable", "Statut"]
    due = sheet.cell(2, header.index("Échéance") + 1)
    assert due.number_format == "dd/mm/yyyy" and due.value.year == 2026
    assert sheet.cell(2, header.index("Statut") + 1).value == "▼ hors trajectoire"


def test_the_readme_s_french_board_pack_is_real_output(cli) -> None:
    """README shows the French example's report; regenerate it when this fails:
    cd docs/examples/plan-regional && mibtrack report --as-of 30/11/2025 --format markdown."""
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("--as-of 30/11/2025 --format markdown\n", 1)[1].split("```", 1)[0]
    result = cli("report", "--as-of", "30/11/2025", "--format", "markdown",
                 root=root / "docs" / "examples" / "plan-regional")
    assert result.code == 0, result.err

    def tables(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith(("|", "#", "- "))]

    assert tables(result.out) == tables(block)
    assert "Points d'attention" in block and "cofinancement à voter" in block


def test_show_reads_french_to_its_last_line(project: Path, cli) -> None:
    """`show` in a French programme: no English label, no ISO date; entries recorded under a
    metric's old id (renamed_from) keep their unit."""
    toml = (SMALL_TOML.replace('currency = "EUR"', 'currency = "EUR"\nlocale = "fr"')
            .replace("[metrics.jobs]\n", '[metrics.staff]\nrenamed_from = ["jobs"]\n')
            .replace('metric = "jobs"', 'metric = "staff"'))
    assert cli("record", "jobs", "40", "--date", "2025-01-15").code == 0  # before the rename
    (project / "objectives.toml").write_text(toml, encoding="utf-8")
    assert cli("record", "staff", "52", "--date", "2025-03-31").code == 0
    out = plain(cli("show", "jobs", "--as-of", "2025-04-30").out)
    assert "sens                    hausse" in out
    assert "indicateur              staff (jobs, dernière valeur)" in out
    assert "31/03/2025" in out and "2025-03-31" not in out
    assert "identifiant" in out and "auteur" in out and "source / note" in out
    assert "40 jobs" in out and "52 jobs" in out  # the old id's entry shows its unit too
    assert "mesuré" in out and "au 30/04/2025" in out  # the chart's legend
    for english in ("increase", "about", "writer", "observed", "as of ", " to "):
        assert english not in out, english


def test_the_html_of_a_french_programme_has_no_english_left(project: Path, cli) -> None:
    """A limit's block, a composite's worst part, a revised target and the milestone
    trends: French labels and dates, as the rest of the page."""
    toml = SMALL_TOML.replace('currency = "EUR"', 'currency = "EUR"\nlocale = "fr"') + """
[[objectives]]
id = "ceiling"
title = "Headcount ceiling"
kind = "limit"
metric = "jobs"
max = 50

[[objectives]]
id = "all"
title = "Everything"
kind = "composite"
children = ["jobs", "launch"]
"""
    (project / "objectives.toml").write_text(toml, encoding="utf-8")
    assert cli("replan", "--reason", "v1", "--decided", "2024-01-01").code == 0
    for value, day_ in (("40", "2024-03-31"), ("60", "2024-06-30"), ("45", "2024-09-30")):
        assert cli("record", "jobs", value, "--date", day_).code == 0
    assert cli("milestone", "launch", "slipped", "--expected", "2024-08-31",
               "--date", "2024-05-15").code == 0
    assert cli("milestone", "launch", "done", "--date", "2024-08-20").code == 0
    (project / "objectives.toml").write_text(toml.replace("target = 100", "target = 120"),
                                             encoding="utf-8")
    assert cli("replan", "--reason", "more jobs", "--decided", "2024-10-01").code == 0
    page = plain(unescape(cli("report", "--as-of", "2024-10-31", "--format", "html").out))
    body = page.split('data-field="as_of_stamp"')[0]  # the stamp keeps machine values
    text = re.sub(r"<[^>]+>", "\n", re.sub(r"<style.*?</style>", "", body, flags=re.S))
    for label in ("Limite", "Marge", "Dans les bornes", "Dépassements",
                  "Partie la plus en difficulté", "Tendances des jalons",
                  "révisé (plan v2, décidé le 01/10/2024: more jobs): cible 100 → 120",
                  "date de point", "date prévue", "1 report, réalisé 20/08/2024"):
        assert label in text, label
    for english in ("Headroom", "Within", "Breaches", "Worst part", "Milestone trend",
                    "reporting date", "revised", "slip", "decided"):
        assert english not in text, english
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text)  # every date written the French way
