"""The language of documents: labels, status words, dates and numbers, in English or French.

Renderers write their labels in English through `t("Actual")` and their dates and numbers
through `day`, `number`, `money`, `percent`; `use_locale("fr")` around a rendering makes all
of them French: `31/03/2026`, `1 234,5`, `30 000 000 €` (compact `30 M€`), `45 %`.
French numbers come from Babel (CLDR), imported only when French is asked for, so English
output and start-up never pay for it. JSON is never localised.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from ..values import rounded

LOCALES = ("en", "fr")
_BABEL_LOCALE = {"fr": "fr_FR"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("mibtrack_locale", default="en")


def current() -> str:
    """The locale documents are being written in."""
    return _current.get()


@contextlib.contextmanager
def use_locale(code: str | None) -> Iterator[str]:
    """Render in `code` (en, fr) inside the block; None keeps the current locale."""
    if code is None:
        yield current()
        return
    if code not in LOCALES:
        raise ValueError(f"unknown locale {code!r}")
    token = _current.set(code)
    try:
        yield code
    finally:
        _current.reset(token)


def french() -> bool:
    return _current.get() == "fr"


# --------------------------------------------------------------------------- words

#: French for every label the renderers write (English is the key). A French civil
#: servant's board pack: "Points d'attention", "Échéance", "Motif", "Responsable".
FRENCH: dict[str, str] = {
    # statuses
    "achieved": "atteint", "on-track": "en bonne voie", "at-risk": "à risque",
    "off-track": "hors trajectoire", "missed": "non atteint", "no-data": "sans donnée",
    "not-started": "non commencé",
    # the status table's columns
    "objective": "objectif", "status": "statut", "progress": "avancement",
    "actual": "réalisé", "when": "échéance", "plan": "prévu", "variance": "écart",
    "trend": "tendance", "at due": "à l'échéance", "title": "intitulé",
    # show
    "kind": "type", "metric": "indicateur", "direction": "sens", "baseline": "référence",
    "period": "période", "checkpoints": "jalons intermédiaires", "planned now": "prévu à date",
    "schedule": "calendrier", "forecast at due": "prévision à l'échéance", "note": "note",
    "state": "état", "late": "retard", "children": "composantes", "weights": "pondérations",
    "source": "source", "reason": "motif", "date": "date",
    "planned": "prévu", "evidence": "pièces", "plan vs actual, by quarter":
        "prévu / réalisé, par trimestre", "plan vs actual vs forecast":
        "prévu / réalisé / prévision", "not enough data (needs 2 points)":
        "données insuffisantes (2 mesures au moins)", "never at this pace":
        "jamais à ce rythme", "above the range's upper end": "au-dessus de la fourchette",
    "increase": "hausse", "decrease": "baisse",
    # kinds and default groups
    "target": "cible", "milestone": "jalon", "composite": "composite",
    "Targets": "Cibles", "Milestones": "Jalons", "Composites": "Composites",
    "Limits": "Plafonds et planchers",
    # milestone states
    "done": "réalisé", "slipped": "reporté", "reopened": "rouvert",
    "no event yet": "aucun événement",
    # headings
    "Summary": "Synthèse", "Exceptions": "Points d'attention", "Notes": "Notes",
    "Sources": "Sources", "Status": "Statut", "Objectives": "Objectifs",
    "Objective": "Objectif", "Title": "Intitulé", "Actual": "Réalisé", "Target": "Cible",
    "Progress": "Avancement", "Plan": "Prévu", "Planned now": "Prévu à date",
    "Variance": "Écart", "Forecast at due": "Prévision à l'échéance", "When": "Échéance",
    "Owner": "Responsable", "Gap": "Écart", "Days behind": "Retard (jours)",
    "Next date": "Prochaine date", "Since": "Depuis le", "Reason": "Motif",
    "Schedule": "Calendrier", "ETA": "Atteinte estimée", "Period": "Période",
    "Last observed": "Dernière mesure", "Range": "Fourchette", "State": "État",
    "Due": "Échéance", "Done": "Réalisé le", "Expected": "Attendu", "Late": "Retard",
    "Period end": "Fin de période", "Source": "Source", "Group": "Axe", "Kind": "Type",
    "Baseline": "Référence", "Checkpoint": "Jalon intermédiaire", "Forecast": "Prévision",
    "Forecast low": "Prévision basse", "Forecast high": "Prévision haute",
    "Date": "Date", "Metric": "Indicateur", "Value": "Valeur", "Unit": "Unité",
    "Documents": "Documents", "documents": "documents", "entry": "écriture",
    "Documents behind the figures (links relative to the project's folder):":
        "Pièces à l'appui des chiffres (liens relatifs au dossier du projet) :",
    "Note": "Note", "Id": "Identifiant", "Evidence": "Pièces", "Plan vs actual":
    "Prévu / réalisé", "Stale metrics": "Indicateurs non actualisés",
    "Nothing at risk, off-track or missed.": "Aucun objectif à risque, hors trajectoire "
                                             "ou non atteint.",
    "Recent notes": "Notes récentes", "Part": "Périmètre",
    "Stale metrics (no fresh data within their cadence and a half):":
        "Indicateurs non actualisés (aucune donnée depuis une fois et demie leur "
        "périodicité) :",
    "Not started by the as-of date.": "Non commencé à la date du point.",
    "not enough data": "données insuffisantes", "on schedule": "dans les temps",
    "on time": "à temps", "no ETA at this pace": "non atteint à ce rythme",
    "no ETA": "pas d'échéance estimée", "never": "jamais", "above the range":
        "au-dessus de la fourchette", "stale": "non actualisé",
    "monthly": "mensuelle", "quarterly": "trimestrielle", "yearly": "annuelle",
    "month": "mois", "quarter": "trimestre", "year": "année",
    "by month": "par mois", "by quarter": "par trimestre", "by year": "par année",
    "programme": "programme", "as known now": "état connu à ce jour",
    "as known at the time of writing": "état connu à la date d'édition",
    "Status as of": "Point d'avancement au", "Programme": "Programme",
    "and": "et", "all of": "tous :", "parts": "parties", "to": "à",
    "overall": "ensemble", "As of": "Au", "As known at": "État connu au",
    "Generated at": "Édité le", "Plan version": "Version du plan",
    "Ledger head": "Tête du registre", "Reproduce with": "Pour reproduire",
    "revised": "révisé", "Plan revisions": "Révisions du plan",
    "composites, counted apart": "comptés à part",
    "out": "hors bornes le", "roll-ups": "composites",
    "step (each checkpoint's value from its date on)":
        "par paliers (chaque jalon vaut à partir de sa date)",
    "worst part": "partie la plus en difficulté", "below the range's lower end":
        "au-dessous de la fourchette", "evaluated at": "évalué au",
    "80 % interval": "intervalle à 80 %", "chance to meet": "probabilité d'atteinte",
    "limit": "limite", "within": "dans les bornes", "headroom": "marge",
    "floor": "plancher", "ceiling": "plafond", "none": "aucun", "at least": "au moins",
    "at most": "au plus",
    "yes": "oui", "no": "non", "achieved {n} days after due": "atteint {n} jours après l'échéance",
    "the last report; the next is not due yet":
        "la dernière mesure ; la suivante n'est pas encore attendue",
    "id": "identifiant", "type": "type", "about": "objet", "value": "valeur",
    "writer": "auteur", "source / note": "source / note", "latest": "dernière valeur",
    "sum": "cumul", "plan v{n}, decided {day}": "plan v{n}, décidé le {day}",
    "not recorded yet": "pas encore enregistré", "slip": "report", "slips": "reports",
    "Milestone trends": "Tendances des jalons", "Milestone trend": "Tendance du jalon",
    "Forecast date of each milestone at each reporting date: a level line is on schedule, a "
    "step up is a slip, the line ends on the diagonal when done.":
        "Date prévue de chaque jalon à chaque date de point : une ligne plate tient le "
        "calendrier, une marche est un report, la ligne finit sur la diagonale une fois "
        "réalisé.",
    "Forecast date of {id} at each reporting date": "Date prévue de {id} à chaque date de point",
    "Limit": "Limite", "Headroom": "Marge", "Within": "Dans les bornes",
    "Outside since": "Hors bornes depuis le", "Breaches": "Dépassements",
    "Worst part": "Partie la plus en difficulté",
    "reporting date": "date de point", "forecast date": "date prévue",
    "outside since": "hors bornes depuis le", "until": "jusqu'au",
    "holds until": "tenu jusqu'au", "breach": "dépassement", "breaches": "dépassements",
    "Roll-ups": "Objectifs composites", "worst": "le plus en difficulté",
    "target range": "fourchette cible", "exp.": "prévu le", "all": "tous",
    "Notes dated from": "Notes datées du", "as of": "au",
    "as known at": "état connu au", "last observed": "dernière mesure le",
    "last": "dernière mesure le", "ago": "", "By month": "Par mois",
    "By quarter": "Par trimestre", "By year": "Par année", "group": "axe",
    "owner": "responsable", "tag": "étiquette", "observed": "mesuré", "forecast": "prévision",
    "expected": "attendu le", "due": "échéance", "ETA ": "atteinte le ",
    "slipped: expected": "reporté : attendu le", "done on": "réalisé le",
    "Made by mibtrack from objectives.toml and the ledger. Status symbols:":
        "Produit par mibtrack à partir d'objectives.toml et du registre. Symboles :",
}


def t(text: str) -> str:
    """The label in the current language (English is its own key)."""
    if _current.get() == "fr":
        return FRENCH.get(text, text)
    return text


def status_word(status: str) -> str:
    return t(status)


def plural(count: int | Decimal, one: str, many: str) -> str:
    """`1 day`, `2 days`; in French 0 and 1 take the singular (`0 jour`, `1 jour`)."""
    singular = abs(Decimal(count)) < 2 if french() else abs(Decimal(count)) == 1
    return one if singular else many


def days(count: int) -> str:
    """`1 day`, `3 days` / `1 jour`, `3 jours` (the count formatted for the locale)."""
    if french():
        return f"{number(Decimal(count))} {plural(count, 'jour', 'jours')}"
    return f"{number(Decimal(count))} {plural(count, 'day', 'days')}"


def ago(count: int) -> str:
    """`3 days ago` / `il y a 3 jours`."""
    return f"il y a {days(count)}" if french() else f"{days(count)} ago"


def days_behind(count: int) -> str:
    """A signed delay: `12 days late`, `3 days ahead`, `on time`."""
    if count == 0:
        return t("on time")
    if french():
        word = "de retard" if count > 0 else "d'avance"
        return f"{days(abs(count))} {word}"
    return f"{days(abs(count))} {'late' if count > 0 else 'ahead'}"


# --------------------------------------------------------------------------- dates

def day(value: dt.date | None, missing: str = "—") -> str:
    """ISO `2026-03-31` in English; `31/03/2026` in French (never month first)."""
    if value is None:
        return missing
    return value.strftime("%d/%m/%Y") if french() else value.isoformat()


def moment(value: dt.datetime) -> str:
    """A UTC moment: `2026-03-31 18:00:00 UTC`; `31/03/2026 à 18:00:00 UTC`."""
    if french():
        return value.strftime("%d/%m/%Y à %H:%M:%S UTC")
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


# --------------------------------------------------------------------------- numbers

def number(value: Decimal, places: int | None = None) -> str:
    """Digits grouped for reading: `1,234.5` / `1 234,5` (exact, never through a float)."""
    if places is not None and value != rounded(value, Decimal(10) ** -places):
        value = rounded(value, Decimal(10) ** -places)
    if value == 0:
        value = abs(value)  # never "-0"
    if french():
        from babel.numbers import format_decimal

        return format_decimal(value, format="#,##0.######", locale="fr_FR",
                              decimal_quantization=False)
    from .text import group_digits

    return group_digits(value)


def plain_number(value: Decimal) -> str:
    """Ungrouped, for CSV cells: `1234.5` / `1234,5`."""
    text = format(value, "f")
    return text.replace(".", ",") if french() else text


def money(value: Decimal, currency: str, places: int | None = None) -> str:
    """French typography: `30 000 000 €`, `-1 250,5 €` (Babel)."""
    if places is not None and value != rounded(value, Decimal(10) ** -places):
        value = rounded(value, Decimal(10) ** -places)
    if value == 0:
        value = abs(value)
    from babel.numbers import format_currency

    return format_currency(value, currency, format="#,##0.######\u00a0¤",
                           locale="fr_FR", currency_digits=False,
                           decimal_quantization=False)


def compact_money(value: Decimal, currency: str) -> str:
    """`30 M€`, `1,25 Md€`, `625 k€` (Babel's short currency format)."""
    import re

    from babel.numbers import format_compact_currency

    text = format_compact_currency(value, currency, locale="fr_FR", fraction_digits=2)
    return re.sub(r"(k|M|Md|G|Bn)[\s\u00a0\u202f]+(?=\D)", r"\1", text)


def compact_number(value: Decimal) -> str:
    """`1,5 k`, `23,2` (Babel's short decimal format)."""
    from babel.numbers import format_compact_decimal

    return format_compact_decimal(value, locale="fr_FR", fraction_digits=2)


def percent(value: Decimal | None) -> str:
    """A ratio as a whole percentage: `45%` / `45 %`; `—` when there is none."""
    if value is None:
        return "—"
    whole = rounded(value * 100, Decimal(1))
    if whole == 0:
        whole = abs(whole)
    if french():
        return f"{number(whole)}\u202f%"
    return f"{whole:f}%"


def points(value: Decimal | None) -> str:
    """A difference of ratios in percentage points: `+5 pts`, `-12 pts`, `0 pts` (never
    `-0 pts`); French `+5 pts`, `−12 pts`."""
    if value is None:
        return "—"
    whole = rounded(value * 100, Decimal(1))
    if whole == 0:
        return "0 pt" if french() else "0 pts"
    sign = "+" if whole > 0 else "-"
    unit = plural(whole, "pt", "pts")
    return f"{sign}{number(abs(whole))} {unit}"
