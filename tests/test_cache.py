"""The incremental cache of daily actuals (.mibtrack/cache/) never makes a report wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from mibtrack import snapshot

CACHE = Path(".mibtrack") / "cache" / "daily.json"


def _seed(cli) -> None:  # noqa: ANN001
    for value, day in (("10", "2024-03-01"), ("20", "2024-06-01"), ("35", "2024-09-01")):
        assert cli("record", "jobs", value, "--date", day).code == 0
    for value, day in (("1M", "2024-02-01"), ("2.5M", "2024-05-01")):
        assert cli("record", "funding_eur", value, "--date", day).code == 0


def _status(cli, *extra: str) -> dict:  # noqa: ANN001
    result = cli("status", "--json", "--as-of", "2025-01-01", *extra)
    assert result.code == 0, result.err
    return json.loads(result.out)


def _cold(cli, project: Path) -> dict:  # noqa: ANN001
    shutil.rmtree(project / ".mibtrack", ignore_errors=True)
    report = _status(cli)
    return report


def test_append_then_status_equals_cold_status(cli, project: Path) -> None:  # noqa: ANN001
    _seed(cli)
    _status(cli)
    assert (project / CACHE).is_file()
    assert cli("record", "jobs", "50", "--date", "2024-12-01").code == 0
    assert cli("record", "funding_eur", "0.5M", "--date", "2024-01-15").code == 0
    warm = _status(cli)
    assert warm == _cold(cli, project)
    assert warm["objectives"][0]["actual"] == 50
    assert warm["objectives"][1]["actual"] == 4000000


def test_correction_appended_after_caching_is_applied(cli, project: Path) -> None:  # noqa: ANN001
    _seed(cli)
    _status(cli)
    entry = json.loads(cli("log", "--json").out)["entries"][2]["id"]
    assert cli("correct", entry, "--value", "30", "--reason", "typo").code == 0
    warm = _status(cli)
    assert warm["objectives"][0]["actual"] == 30
    assert warm == _cold(cli, project)


def test_changed_byte_in_the_middle_is_noticed(cli, project: Path) -> None:  # noqa: ANN001
    _seed(cli)
    before = _status(cli)
    feed = project / "ledger" / "tester.jsonl"
    data = bytearray(feed.read_bytes())
    at = data.index(b'"value":"20"')
    data[at + 9:at + 11] = b"90"  # same size: only a digest can tell
    feed.write_bytes(bytes(data))
    after = cli("status", "--json", "--as-of", "2024-07-01")
    # the changed line is still a valid entry: the report must use 90, not the cached 20
    assert after.code == 0
    assert json.loads(after.out)["objectives"][0]["actual"] == 90
    assert before["objectives"][0]["actual"] == 35


def test_objectives_change_invalidates(cli, project: Path) -> None:  # noqa: ANN001
    _seed(cli)
    assert _status(cli)["objectives"][0]["actual"] == 35
    toml = project / "objectives.toml"
    text = toml.read_text(encoding="utf-8")
    start = text.index("[metrics.jobs]")
    toml.write_text(text[:start] + text[start:].replace('aggregate = "latest"',
                                                        'aggregate = "sum"', 1),
                    encoding="utf-8")
    assert _status(cli)["objectives"][0]["actual"] == 65


def test_truncated_feed_is_noticed(cli, project: Path) -> None:  # noqa: ANN001
    _seed(cli)
    _status(cli)
    feed = project / "ledger" / "tester.jsonl"
    lines = feed.read_bytes().splitlines(keepends=True)
    feed.write_bytes(b"".join(lines[:2]))  # jobs 10 and 20 remain
    assert _status(cli)["objectives"][0]["actual"] == 20


def test_corrupt_or_foreign_cache_is_ignored(cli, project: Path) -> None:  # noqa: ANN001
    _seed(cli)
    good = _status(cli)
    cache = project / CACHE
    for junk in (b"", b"not json", cache.read_bytes()[:-40], b"0" * 64 + b"\n{}",
                 b"\xff\xfe garbage"):
        cache.write_bytes(junk)
        assert _status(cli) == good
    assert cache.read_bytes().startswith(b"0" * 0)  # rewritten, still usable
    assert _status(cli) == good


def test_unwritable_cache_never_fails_a_command(cli, project: Path) -> None:  # noqa: ANN001
    _seed(cli)
    (project / ".mibtrack").write_text("a file where the folder should be")
    assert _status(cli)["objectives"][0]["actual"] == 35


def test_known_at_reads_in_full_and_matches(cli, project: Path) -> None:  # noqa: ANN001
    _seed(cli)
    now = _status(cli, "--known-at", "2999-01-01")
    assert now["objectives"][0]["actual"] == 35


def test_parallel_read_equals_serial(cli, project: Path, monkeypatch) -> None:  # noqa: ANN001
    _seed(cli)
    serial = _cold(cli, project)
    monkeypatch.setattr(snapshot, "PARALLEL_BYTES", 0)
    assert _cold(cli, project) == serial
