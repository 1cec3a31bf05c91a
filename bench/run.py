"""Time mibtrack against hledger and ledger on the same generated ledgers.

    python bench/run.py --sizes 10k,100k,1M [--runs 3] [--big-runs 1]

For each size N, generates (once, into bench/work/N) a project and its journal with
bench/generate.py, then times, side by side: `mibtrack status` cold (no cache), warm (cache
up to date), after one more append; `report --format json`; `verify`; `hledger bal` and
`ledger bal` when installed (`import` is timed only when the command exists). Medians of
--runs runs (--big-runs for N ≥ 1M), peak RSS of each child (os.wait4), ratios; plus the
shipped MIB project's `status` against the bare import of typer+rich+pydantic. Writes
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

PY = sys.executable
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src"), "NO_COLOR": "1", "COLUMNS": "160",
       "MIBTRACK_WRITER": "bench@run"}


def timed(argv: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        print(f"  ! {' '.join(argv[-3:])} exited {proc.returncode}: {err[:200]}")
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def measure(name: str, argv: list[str], runs: int, before=None) -> dict:  # noqa: ANN001
    times, peaks = [], []
    for _ in range(runs):
        if before:
            before()
        seconds, peak, _ = timed(argv)
        times.append(seconds)
        peaks.append(peak)
    row = {"median_s": round(statistics.median(times), 3), "runs": runs,
           "all_s": [round(t, 3) for t in times], "peak_mb": round(max(peaks), 1)}
    print(f"  {name:<28} {row['median_s']:>8.3f} s  {row['peak_mb']:>7.1f} MB  "
          f"(runs: {runs})", flush=True)
    return row


def mibtrack(root: Path, *args: str) -> list[str]:
    return [PY, "-m", "mibtrack", "--dir", str(root), *args]


def has_import() -> bool:
    out = subprocess.run([PY, "-m", "mibtrack", "--help"], env=ENV, capture_output=True,
                         text=True).stdout
    return " import " in out or "│ import" in out


def bench_size(label: str, runs: int) -> dict:
    n = parse_size(label)
    root = HERE / "work" / label
    if not (root / "journal.ledger").is_file():
        print(f"generating {label} …", flush=True)
        generate(n, root)
    cache = root / ".mibtrack"
    print(f"N = {label} ({n} entries)", flush=True)
    rows: dict[str, dict] = {}
    rows["status cold"] = measure("status cold (no cache)", mibtrack(root, "status"), runs,
                                  before=lambda: shutil.rmtree(cache, ignore_errors=True))
    timed(mibtrack(root, "status"))  # make sure the cache is up to date
    rows["status warm"] = measure("status warm (cache)", mibtrack(root, "status"), runs)
    counter = iter(range(10**6))
    rows["status after append"] = measure(
        "status after one append", mibtrack(root, "status"), runs,
        before=lambda: timed(mibtrack(root, "record", "direct_jobs", str(300 + next(counter)))))
    rows["report json"] = measure("report --format json", mibtrack(root, "report", "--format",
                                                                   "json"), runs)
    rows["verify"] = measure("verify", mibtrack(root, "verify"), runs)
    if has_import():
        csv = root / "import.csv"
        with csv.open("w") as out:
            out.write("metric,value,date\n")
            for i in range(n):
                out.write(f"direct_jobs,{i % 500},2024-01-{1 + i % 28:02d}\n")
        rows["import"] = measure("import N rows (dry run)",
                                 mibtrack(root, "import", str(csv), "--dry-run"), runs)
    for tool in ("hledger", "ledger"):
        exe = shutil.which(tool)
        if exe:
            rows[f"{tool} bal"] = measure(f"{tool} bal", [exe, "-f", str(root / "journal.ledger"),
                                                         "bal"], runs)
    ratios = {}
    cold = rows["status cold"]["median_s"]
    for tool in ("hledger bal", "ledger bal"):
        if tool in rows:
            ratios[f"{tool} / status cold"] = round(rows[tool]["median_s"] / cold, 2)
    return {"entries": n, "results": rows, "ratios": ratios}


def bench_startup(runs: int) -> dict:
    print("shipped MIB project", flush=True)
    bare = measure("import typer+rich+pydantic", [PY, "-c", "import typer, rich, pydantic"],
                   max(runs, 5))
    status = measure("mibtrack status (MIB)", mibtrack(REPO, "status"), max(runs, 5))
    return {"bare_import": bare, "status": status,
            "ratio": round(status["median_s"] / bare["median_s"], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1M")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big-runs", type=int, default=1)
    args = parser.parse_args()
    # An installed package runs from compiled .pyc files, as typer/rich/pydantic do in the
    # bare-import baseline; with PYTHONDONTWRITEBYTECODE set, mibtrack's ~40 modules would
    # otherwise be compiled again by every timed run (~30 ms).
    compileall.compile_dir(str(REPO / "src"), quiet=1)
    report = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
              "import_command": has_import(), "sizes": {}}
    report["mib_status"] = bench_startup(args.runs)
    for label in args.sizes.split(","):
        runs = args.big_runs if parse_size(label) >= 1_000_000 else args.runs
        report["sizes"][label] = bench_size(label, runs)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    stamp = report["when"].replace(":", "").replace("-", "")[:15]
    text = json.dumps(report, indent=2) + "\n"
    (out / f"{stamp}.json").write_text(text)
    (out / "latest.json").write_text(text)
    print(f"wrote bench/results/{stamp}.json")


if __name__ == "__main__":
    main()
