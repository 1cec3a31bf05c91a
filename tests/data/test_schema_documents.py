"""`mibtrack schema`: JSON Schemas generated from the models, checked against the real
output of every command with --json (decimals are JSON numbers, not strings)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from mibtrack.ledger.codec import parse_fields
from mibtrack.schema import KINDS


@pytest.fixture
def schema(cli):
    def get(kind: str) -> dict:
        result = cli("schema", "--kind", kind)
        assert result.code == 0, result.err
        document = json.loads(result.out)
        jsonschema.Draft202012Validator.check_schema(document)
        return document

    return get


def _check(document: dict, schema: dict) -> None:
    jsonschema.Draft202012Validator(schema).validate(document)


def _json(result) -> dict:
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_every_kind_is_a_valid_schema(schema) -> None:
    for kind in KINDS:
        assert schema(kind)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_decimals_are_numbers_in_the_schema(schema) -> None:
    entry = json.dumps(schema("entry"))
    assert '"pattern": "^(?!^[-+.]*$)' not in entry  # pydantic's decimal-as-string form
    observation = schema("entry")["$defs"]["Observation"]["properties"]["value"]
    assert observation == {"title": "Value", "type": "number"}


def test_the_schemas_validate_every_json_document_the_commands_write(
        cli, schema, project: Path) -> None:
    documents = {"record": [], "log": [], "objectives": [], "verify": [], "export": []}
    documents["record"].append(_json(cli("record", "funding_eur", "-1.25", "--date",
                                         "2025-01-01", "--json", "--note", "=x")))
    documents["record"].append(_json(cli("record", "jobs", "40", "--date", "2025-03-31",
                                         "--key", "k", "--json")))
    documents["record"].append(_json(cli("record", "jobs", "40", "--date", "2025-03-31",
                                         "--key", "k", "--json")))  # already recorded
    first = documents["record"][1]["entry"]["id"]
    documents["record"].append(_json(cli("milestone", "launch", "slipped", "--date",
                                         "2024-05-01", "--expected", "2024-09-30", "--json")))
    documents["record"].append(_json(cli("correct", first, "--value", "41.5", "--reason", "r",
                                         "--json")))
    documents["record"].append(_json(cli("void", documents["record"][0]["entry"]["id"],
                                         "--reason", "dup", "--json")))
    documents["record"].append(_json(cli("note", "jobs", "a remark", "--json")))
    documents["log"].append(_json(cli("log", "--json")))
    documents["log"].append(_json(cli("log", "--json", "--metric", "jobs")))
    documents["objectives"].append(_json(cli("objectives", "--json")))
    documents["verify"].append(_json(cli("verify", "--json")))
    documents["export"].append(_json(cli("export", "--format", "json")))
    documents["export"].append(_json(cli("export", "--format", "json", "--raw")))
    for kind, produced in documents.items():
        for document in produced:
            _check(document, schema(kind))
    # the schemas say "number" where the documents hold numbers
    assert documents["log"][0]["entries"][0]["value"] == -1.25
    # and every stored ledger line is a `ledger-line` (decimals stored as strings)
    line_schema = schema("ledger-line")
    lines = (project / "ledger" / "tester.jsonl").read_bytes().splitlines()
    assert len(lines) == 6
    for line in lines:
        _check(parse_fields(line), line_schema)
    with pytest.raises(jsonschema.ValidationError):
        _check({**parse_fields(lines[0]), "value": -1.25}, line_schema)


def test_a_document_that_breaks_the_contract_is_caught(cli, schema) -> None:
    document = _json(cli("record", "jobs", "40", "--date", "2025-03-31", "--json"))
    document["entry"]["value"] = "40"  # a decimal as a string is not the contract
    with pytest.raises(jsonschema.ValidationError):
        _check(document, schema("record"))
    document["entry"]["value"] = 40
    document["entry"]["colour"] = "red"
    with pytest.raises(jsonschema.ValidationError):
        _check(document, schema("record"))


def test_the_report_schema_validates_the_status_engine_s_report(cli, schema, project) -> None:
    from mibtrack.compute import build_report
    from mibtrack.project import Workspace
    from mibtrack.render.jsonout import dumps

    cli("record", "jobs", "40", "--date", "2025-03-31")
    cli("record", "jobs", "60", "--date", "2025-06-30")
    cli("record", "funding_eur", "2.5M", "--date", "2025-01-15")
    cli("milestone", "launch", "done", "--date", "2024-07-02")
    ws = Workspace(project)
    report = build_report(ws.project, ws.content.entries, dt.date(2025, 7, 1))
    document = json.loads(dumps(report))
    _check(document, schema("report"))
    jobs = next(o for o in document["objectives"] if o["id"] == "jobs")
    assert jobs["actual"] == 60 and isinstance(jobs["progress"], float)
    # and the commands' own output
    as_of = ("--as-of", "2025-07-01")
    _check(_json(cli("status", *as_of, "--json")), schema("status"))
    _check(_json(cli("status", *as_of, "--known-at", "2030-01-01T00:00:00Z", "--json")),
           schema("status"))
    _check(_json(cli("report", *as_of, "--format", "json")), schema("report"))
    for fail_on in ("missed", "at-risk"):
        result = cli("check", *as_of, "--fail-on", fail_on, "--stale", "--json")
        assert result.code in (0, 1), result.err
        _check(json.loads(result.out), schema("check"))
    for objective in ("jobs", "launch", "funding"):
        _check(_json(cli("show", objective, *as_of, "--json")), schema("show"))


def test_unknown_kind_is_exit_2(cli) -> None:
    result = cli("schema", "--kind", "nope")
    assert result.code == 2
    assert result.err.startswith("mibtrack: unknown schema kind 'nope' — use one of entry, ")


def test_the_check_document_is_the_check_result_and_the_feeds_left_out():
    """`check --json` prints the library's CheckResult (its shown fields, in order) and the
    feeds its reading left out; the schema names the same fields."""
    from mibtrack.compute.check import CheckResult
    from mibtrack.schema import CheckDocument

    shown = [name for name, info in CheckResult.model_fields.items() if not info.exclude]
    assert [*shown, "feeds_left_out"] == list(CheckDocument.model_fields)


def test_the_verify_document_is_the_verify_result():
    """`verify --json` prints the library's VerifyResult (without --history, no history);
    the schema names the same fields."""
    from mibtrack.compute.verify import VerifyResult
    from mibtrack.schema import VerifyDocument

    assert [*VerifyDocument.model_fields, "history"] == list(VerifyResult.model_fields)
