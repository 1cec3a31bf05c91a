"""Time mibtrack on the ledgers users build, each goal a ratio to an anchor timed in the
same run.

    python bench/run.py --sizes 10k,100k,1M [--runs 3] [--big-runs 1] [--generator]

For each size N, builds once (into bench/work/user-N) a project whose ledger is shaped as
users build it (bench/usershaped.py: keyed imports sharing one recorded_at, cron records,
several writers' feeds, corrections and voids) and times, side by side:

| goal                                   | anchor (same run)                          |
|----------------------------------------|--------------------------------------------|
| `status` cold (no cache) ≤ 0.2×, 150 MB | `ledger bal` on the same postings          |
| `verify` ≤ 3×, 150 MB                   | `sha256sum` of the same feeds               |
| `validate` ≤ 2×, 150 MB                 | `verify`                                    |
| `import` of N rows ≤ 1×, 300 MB         | `ledger bal`                                |
| `import` again (all rows there) ≤ 1×    | the first `import`                          |
| `import --dry-run` ≤ 1×                 | the first `import`                          |
| `status` after one `record` ≤ 2×        | `status` on a 10-entry project              |

and, on the shipped project (this repository's objectives.toml and ledger):

| `status` ≤ 1.6×                         | bare `import typer, rich, pydantic`         |
| `report --format html` ≤ 2×             | `report --format markdown`                  |

`--clones` also times a third shape, merged clones (bench/work/clones-N): the user-shaped
ledger plus a second office's clone that imported the same export before pulling (feed
`etl@laptop`, every row's key recorded twice), for the status/verify rows.
`hledger bal` is timed too when installed (a second anchor, reported, not a goal).
`--generator` also times the first benchmark's shape (bench/generate.py: four writers, few
keys) for the status/verify rows. Medians of --runs runs (--big-runs at N ≥ 1M), peak RSS of
each child (os.wait4). Prints every goal with its ratio, met or not, and writes
bench/results/<UTC stamp>.json and bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from generate import generate, parse_size  # noqa: E402
from usershaped import generate_user  # noqa: E402

PY = sys.executable
#: The user cache (the incremental fold, receipts, the HMAC key) in bench/work/cache: a cold
#: run removes that project's folder in it (the cache no longer lives in the project).
CACHE = HERE / "work" / "cache"
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src"), "NO_COLOR": "1", "COLUMNS": "160",
       "MIBTRACK_WRITER": "bench@run", "MIBTRACK_CACHE_DIR": str(CACHE)}


def _drop_cache() -> None:
    """Every project's cached fold and receipts (the key stays: a user has one)."""
    shutil.rmtree(CACHE / "projects", ignore_errors=True)



#: CPU seconds of the last child `timed` waited for (forked readers included: wait4 counts
#: the children the child waited for).
LAST_CPU = [0.0]


def timed(argv: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of one child process; its CPU seconds (user +
    system, children included) are left in LAST_CPU."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    LAST_CPU[0] = usage.ru_utime + usage.ru_stime
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        print(f"  ! {' '.join(argv[-3:])} exited {proc.returncode}: {err[:200]}")
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def measure(name: str, argv: list[str], runs: int, before=None) -> dict:  # noqa: ANN001
    times, peaks, cpus = [], [], []
    for _ in range(runs):
        if before:
            before()
        seconds, peak, _ = timed(argv)
        times.append(seconds)
        peaks.append(peak)
        cpus.append(LAST_CPU[0])
    row = {"median_s": round(statistics.median(times), 3), "runs": runs,
           "all_s": [round(t, 3) for t in times], "peak_mb": round(max(peaks), 1),
           "cpu_s": round(statistics.median(cpus), 3)}
    print(f"  {name:<34} {row['median_s']:>8.3f} s  {row['peak_mb']:>7.1f} MB  "
          f"{row['cpu_s']:>8.3f} s CPU  (runs: {runs})", flush=True)
    return row


def mibtrack(root: Path, *args: str) -> list[str]:
    return [PY, "-m", "mibtrack", "--dir", str(root), *args]


def _fresh(root: Path, objectives: Path) -> None:
    """An empty project beside the big one: its objectives.toml, an empty ledger."""
    shutil.rmtree(root, ignore_errors=True)
    (root / "ledger").mkdir(parents=True)
    shutil.copy(objectives, root / "objectives.toml")


#: hledger needs ~8.6 GB at 1M postings: timed up to this many only (unless --hledger).
HLEDGER_UP_TO = 100_000
WITH_HLEDGER = [False]
NO_IMPORT = [False]


def _anchors(root: Path, runs: int, rows: dict, n: int = 0) -> None:
    for tool in ("ledger", "hledger"):
        exe = shutil.which(tool)
        if tool == "hledger" and n > HLEDGER_UP_TO and not WITH_HLEDGER[0]:
            continue
        if exe:
            rows[f"{tool} bal"] = measure(f"{tool} bal (same postings)",
                                          [exe, "-f", str(root / "journal.ledger"), "bal"], runs)
    feeds = sorted(str(p) for p in (root / "ledger").glob("*.jsonl"))
    rows["sha256sum"] = measure("sha256sum (same feeds)", ["sha256sum", *feeds], runs)


def _reading(root: Path, runs: int, n: int) -> dict[str, dict]:
    """The anchors, cold `status` and `verify` on `root` (of `n` entries)."""
    rows: dict[str, dict] = {}
    _anchors(root, runs, rows, n)
    rows["status cold"] = measure("status cold (no cache)", mibtrack(root, "status"), runs,
                                  before=_drop_cache)
    rows["verify"] = measure("verify", mibtrack(root, "verify"), runs)
    return rows


def _after_one_record(root: Path, small: Path, runs: int, rows: dict) -> None:
    """`status` on the 10-entry project, then on `root` after each of `runs` records."""
    timed(mibtrack(small, "status"))
    rows["status 10 entries"] = measure("status, 10-entry project", mibtrack(small, "status"),
                                        runs)
    timed(mibtrack(root, "status"))  # the cache up to date
    counter = iter(range(10**6))
    rows["status after append"] = measure(
        "status after one record", mibtrack(root, "status"), runs,
        before=lambda: timed(mibtrack(root, "record", "direct_jobs", str(300 + next(counter)),
                                      "--date", "2026-06-30")))


def bench_user(label: str, runs: int) -> dict:
    n = parse_size(label)
    root = HERE / "work" / f"user-{label}"
    if not (root / "import.csv").is_file():
        print(f"generating user-shaped {label} …", flush=True)
        generate_user(n, root)
    small = HERE / "work" / "user-10"
    if not (small / "import.csv").is_file():
        generate_user(10, small)
    print(f"user-shaped ledger, N = {label} ({n} entries)", flush=True)
    rows = _reading(root, runs, n)
    rows["validate"] = measure("validate", mibtrack(root, "validate"), runs)
    _after_one_record(root, small, runs, rows)
    if NO_IMPORT[0]:
        return {"entries": n, "results": rows}
    target = HERE / "work" / f"user-{label}-import"
    csv = str(root / "import.csv")
    rows["import"] = measure("import N rows (empty project)", mibtrack(target, "import", csv),
                             runs, before=lambda: _fresh(target, root / "objectives.toml"))
    rows["re-import"] = measure("import again (all there)", mibtrack(target, "import", csv),
                                runs)
    rows["import dry run"] = measure(
        "import --dry-run (empty project)", mibtrack(target, "import", csv, "--dry-run"), runs,
        before=lambda: _fresh(target, root / "objectives.toml"))
    shutil.rmtree(target, ignore_errors=True)
    return {"entries": n, "results": rows}


def bench_generator(label: str, runs: int) -> dict:
    n = parse_size(label)
    root = HERE / "work" / label
    if not (root / "journal.ledger").is_file():
        print(f"generating {label} …", flush=True)
        generate(n, root)
    print(f"generator-shaped ledger, N = {label} ({n} entries)", flush=True)
    rows = _reading(root, runs, n)
    return {"entries": n, "results": rows}


def make_clones(label: str) -> Path:
    """bench/work/clones-N: user-N's project, merged by git with a second office's clone
    that imported the same export (`import.csv`) under its own writer before pulling: every
    imported row's key is then recorded twice, once in each office's feed. The import is
    mibtrack's own (`import`), into an empty clone; its postings are added to the journal."""
    user = HERE / "work" / f"user-{label}"
    root = HERE / "work" / f"clones-{label}"
    if (root / "journal.ledger").is_file():
        return root
    print(f"merging clones {label} …", flush=True)
    laptop = HERE / "work" / f"clones-{label}-laptop"
    _fresh(laptop, user / "objectives.toml")
    subprocess.run(mibtrack(laptop, "import", str(user / "import.csv")), check=True,
                   env={**ENV, "MIBTRACK_WRITER": "etl@laptop"}, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(user, root, ignore=shutil.ignore_patterns("import.csv", "journal.ledger"))
    shutil.copy(laptop / "ledger" / "etl@laptop.jsonl", root / "ledger")
    shutil.rmtree(laptop)
    with open(root / "journal.tmp", "w") as journal:
        journal.write((user / "journal.ledger").read_text())
        with open(user / "import.csv") as rows:
            next(rows)
            for n, row in enumerate(rows):
                metric, value, day = row.split(",")[:3]
                journal.write(f"{day} laptop {n}\n    metrics:{metric}  {value} U\n"
                              "    equity:obs\n\n")
    (root / "journal.tmp").rename(root / "journal.ledger")
    return root


def bench_clones(label: str, runs: int) -> dict:
    root = make_clones(label)
    n = sum(1 for feed in (root / "ledger").glob("*.jsonl") for _ in open(feed, "rb"))
    print(f"merged clones, N = {label} ({n} entries)", flush=True)
    rows = _reading(root, runs, n)
    _after_one_record(root, HERE / "work" / "user-10", runs, rows)
    return {"entries": n, "results": rows}


def bench_shipped(runs: int) -> dict:
    print("shipped project", flush=True)
    runs = max(runs, 5)
    return {
        "bare import": measure("import typer, rich, pydantic",
                               [PY, "-c", "import typer, rich, pydantic"], runs),
        "stack floor": measure("typer + pydantic + rich hello world (bench/floor.py)",
                               [PY, str(HERE / "floor.py"), "status"], runs),
        "status": measure("status", mibtrack(REPO, "status"), runs),
        "report markdown": measure("report --format markdown",
                                   mibtrack(REPO, "report", "--format", "markdown"), runs),
        "report html": measure("report --format html",
                               mibtrack(REPO, "report", "--format", "html"), runs),
    }


#: (what, its row, the anchor's row, at most this many times the anchor, at most MB)
USER_GOALS = [
    ("status cold", "status cold", "ledger bal", 0.2, 150),
    ("verify", "verify", "sha256sum", 3, 150),
    ("validate", "validate", "verify", 2, 150),
    ("import N rows", "import", "ledger bal", 1, 300),
    ("import again", "re-import", "import", 1, 300),
    ("import --dry-run", "import dry run", "import", 1, 300),
    ("status after one record", "status after append", "status 10 entries", 2, None),
]
CLONES_GOALS = [g for g in USER_GOALS if g[1] in ("status cold", "verify", "status after append")]
SHIPPED_GOALS = [
    ("status (start-up)", "status", "bare import", 1.6, None),
    ("report --format html", "report html", "report markdown", 2, None),
]


def goals(rows: dict, table: list) -> list[dict]:
    out = []
    for what, name, anchor, most, mb in table:
        if name not in rows or anchor not in rows:
            continue
        measured, base = rows[name], rows[anchor]
        ratio = measured["median_s"] / base["median_s"] if base["median_s"] else float("inf")
        met = ratio <= most and (mb is None or measured["peak_mb"] <= mb)
        cpu = (round(measured["cpu_s"] / base["cpu_s"], 2)
               if base.get("cpu_s") and "cpu_s" in measured else None)
        out.append({"goal": what, "measured_s": measured["median_s"], "cpu_ratio": cpu,
                    "peak_mb": measured["peak_mb"], "anchor": anchor,
                    "anchor_s": base["median_s"], "ratio": round(ratio, 2), "at_most": most,
                    "at_most_mb": mb, "met": met})
    return out


def show(title: str, found: list[dict]) -> None:
    print(f"\n{title}")
    print(f"  {'goal':<26} {'measured':>16} {'anchor':>26} {'ratio':>7} {'goal':>12}  met")
    for g in found:
        memory = f"≤ {g['at_most']}×" + (f", {g['at_most_mb']} MB" if g["at_most_mb"] else "")
        print(f"  {g['goal']:<26} {g['measured_s']:>7.3f} s {g['peak_mb']:>5.0f} MB "
              f"{g['anchor']:>17} {g['anchor_s']:>6.3f} s {g['ratio']:>6.2f}× {memory:>12}  "
              f"{'yes' if g['met'] else 'NO'}"
              + (f"  (CPU {g['cpu_ratio']:.2f}×)" if g.get("cpu_ratio") is not None else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1M")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big-runs", type=int, default=1)
    parser.add_argument("--src", default=str(REPO / "src"),
                        help="the mibtrack source tree to time (another checkout's src/, to "
                             "compare before and after in one machine state)")
    parser.add_argument("--hledger", action="store_true",
                        help=f"time hledger above {HLEDGER_UP_TO} postings too (GBs of memory)")
    parser.add_argument("--no-import", action="store_true",
                        help="skip the three import rows (minutes at 1M)")
    parser.add_argument("--clones", action="store_true",
                        help="also time status and verify on merged clones that imported the "
                             "same export (bench/work/clones-N)")
    parser.add_argument("--only-clones", action="store_true",
                        help="time the merged clones alone (no user-shaped rows)")
    parser.add_argument("--generator", action="store_true",
                        help="also time status and verify on bench/generate.py's shape")
    args = parser.parse_args()
    ENV["PYTHONPATH"] = args.src
    WITH_HLEDGER[0] = args.hledger
    NO_IMPORT[0] = args.no_import
    # An installed package runs from compiled .pyc files, as typer/rich/pydantic do in the
    # bare-import baseline; with PYTHONDONTWRITEBYTECODE set, mibtrack's modules would
    # otherwise be compiled again by every timed run.
    compileall.compile_dir(args.src, quiet=1)
    load = os.getloadavg()
    report = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "src": args.src, "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                          "load_before": [round(x, 2) for x in load]},
              "sizes": {}, "generator": {}, "clones": {}}
    shipped = bench_shipped(args.runs)
    report["shipped"] = {"results": shipped, "goals": goals(shipped, SHIPPED_GOALS)}
    for label in args.sizes.split(","):
        runs = args.big_runs if parse_size(label) >= 1_000_000 else args.runs
        if not args.only_clones:
            one = bench_user(label, runs)
            one["goals"] = goals(one["results"], USER_GOALS)
            report["sizes"][label] = one
        if args.clones or args.only_clones:
            if not (HERE / "work" / f"user-{label}" / "import.csv").is_file():
                generate_user(parse_size(label), HERE / "work" / f"user-{label}")
            merged = bench_clones(label, runs)
            merged["goals"] = goals(merged["results"], CLONES_GOALS)
            report["clones"][label] = merged
        if args.generator:
            report["generator"][label] = bench_generator(label, runs)
    show("shipped project", report["shipped"]["goals"])
    floor, bare = shipped["stack floor"]["median_s"], shipped["bare import"]["median_s"]
    print(f"  (not a goal: the stack's own floor, bench/floor.py, is {floor / bare:.2f}× "
          "the bare import)")
    for label, one in report["sizes"].items():
        show(f"user-shaped ledger, {label}", one["goals"])
    for label, one in report["clones"].items():
        show(f"merged clones, {label}", one["goals"])
    print(f"\nload average before the run: {load[0]:.1f} (1 min), "
          f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    stamp = report["when"].replace(":", "").replace("-", "")[:15]
    text = json.dumps(report, indent=2) + "\n"
    own = Path(args.src).resolve() == (REPO / "src").resolve()
    suffix = "" if own else "-other-src"  # a comparison run never replaces latest.json
    (out / f"{stamp}{suffix}.json").write_text(text)
    (out / f"latest{suffix}.json").write_text(text)
    print(f"wrote bench/results/{stamp}{suffix}.json")


if __name__ == "__main__":
    main()
