"""Many objectives: a project of N objectives over a modest ledger, and the reading commands
timed on it (wall seconds and peak RSS of each child).

    python bench/many.py generate 100k bench/work/many-100k [--entries 20k]
    python bench/many.py run bench/work/many-100k [--html]

`generate` writes DIR/objectives.toml with N objectives over N/100 metrics (at least 10):
per 100 objectives, 60 targets (single numbers, ranges, decreasing ones, some with
checkpoints; many objectives on one metric, as a programme tracks one figure against
several commitments), 15 limits (floors, ceilings, envelopes), 15 milestones and 10
composites: a tree of composites over the leaves (fan-out 8, every level up to the root),
plus one chain as deep as validation allows (MAX_COMPOSITE_DEPTH). Titles, owners, groups
and tags vary. DIR/ledger/ holds two writers' feeds written with mibtrack's own codec
(`verify` passes): observations over three years, milestone events and notes.
Deterministic (seeded).

`run` times `status --json`, `status` (the terminal table, 160 columns, no colour),
`report --format json` and, with --html, `report --format html`, each once, cold (the
cache dropped first) and prints seconds and peak RSS (os.wait4).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from mibtrack.ledger.codec import GENESIS, encode, sha256  # noqa: E402
from mibtrack.objectives import MAX_COMPOSITE_DEPTH  # noqa: E402

START = dt.date(2024, 1, 1)
WRITERS = ("office@many", "cron@many")
GROUPS = ("Research", "Industry", "Training", "Infrastructure", "Outreach")


def parse_size(text: str) -> int:
    text = text.strip().lower()
    mult = {"k": 1000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * mult)


def _toml_objectives(n: int, rng: random.Random) -> tuple[str, list[str], list[str]]:
    """The TOML text; the metric ids; the milestone ids."""
    metrics = [f"m{i:05d}" for i in range(max(10, n // 100))]
    out = ['[program]\nname = "Many objectives"\ncode = "MANY"\nstart = 2024-01-01\n'
           'end = 2029-12-31\ncurrency = "EUR"\nat_risk = 0.9\n']
    for i, mid in enumerate(metrics):
        agg = "sum" if i % 3 == 0 else "latest"
        cadence = ("monthly", "quarterly", "yearly")[i % 3]
        out.append(f'[metrics.{mid}]\nunit = "u{i % 7}"\naggregate = "{agg}"\n'
                   f'cadence = "{cadence}"\n')
    leaves: list[str] = []
    milestones: list[str] = []
    composite_budget = n // 10
    leaf_count = n - composite_budget
    for i in range(leaf_count):
        oid = f"o{i:06d}"
        leaves.append(oid)
        roll = i % 90
        common = (f'title = "Objective {i} of the {GROUPS[i % 5].lower()} strand"\n'
                  f'group = "{GROUPS[i % 5]}"\nowner = "owner{i % 40}"\n'
                  f'tags = ["t{i % 11}", "t{i % 13}"]\n')
        mid = metrics[rng.randrange(len(metrics))]
        due = dt.date(2025 + i % 5, 12, 31)
        if roll < 60:
            level = 100 + i % 500
            if roll % 6 == 0:
                body = f"target_min = {level}\ntarget_max = {level * 2}\n"
            elif roll % 6 == 1:
                body = f'target = {level // 2}\nbaseline = {level}\ndirection = "decrease"\n'
            else:
                body = f"target = {level}\n"
                if roll % 6 == 2:
                    body += f"checkpoints = [{{ date = 2025-06-30, value = {level // 3} }}]\n"
            out.append(f'[[objectives]]\nid = "{oid}"\n{common}kind = "target"\n'
                       f'metric = "{mid}"\n{body}due = {due.isoformat()}\n')
        elif roll < 75:
            bounds = ("min = 50\n", "max = 900\n", "min = 20\nmax = 800\n")[roll % 3]
            out.append(f'[[objectives]]\nid = "{oid}"\n{common}kind = "limit"\n'
                       f'metric = "{mid}"\n{bounds}')
        else:
            milestones.append(oid)
            out.append(f'[[objectives]]\nid = "{oid}"\n{common}kind = "milestone"\n'
                       f'due = {due.isoformat()}\n')
    # A tree of composites over the leaves, fan-out 8, up to one root.
    level, made = leaves, 0
    chain_length = MAX_COMPOSITE_DEPTH - 1
    while len(level) > 1 and made < composite_budget - chain_length:
        parents = []
        for start in range(0, len(level), 8):
            if made >= composite_budget - chain_length:
                break
            cid = f"c{made:06d}"
            made += 1
            kids = ", ".join(f'"{k}"' for k in level[start:start + 8])
            out.append(f'[[objectives]]\nid = "{cid}"\ntitle = "Roll-up {made}"\n'
                       f'kind = "composite"\nchildren = [{kids}]\n')
            parents.append(cid)
        level = parents
    # One chain as deep as allowed: each link a composite of the next and a leaf.
    below = leaves[0]
    for depth in range(chain_length):
        cid = f"deep{depth:02d}"
        out.append(f'[[objectives]]\nid = "{cid}"\ntitle = "Chain link {depth}"\n'
                   f'kind = "composite"\nchildren = ["{below}", "{leaves[depth + 1]}"]\n'
                   f'weights = [2, 1]\n')
        below = cid
    return "\n".join(out), metrics, milestones


def generate(n: int, root: Path, entries: int) -> None:
    rng = random.Random(n)
    root.mkdir(parents=True, exist_ok=True)
    text, metrics, milestones = _toml_objectives(n, rng)
    (root / "objectives.toml").write_text(text)
    folder = root / "ledger"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    files = {w: open(folder / f"{w}.jsonl", "wb") for w in WRITERS}
    state = {w: [GENESIS, 0] for w in WRITERS}
    base = dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC)
    step = 3 * 365 * 86400 / entries
    for i in range(entries):
        writer = WRITERS[i % 2]
        moment = base + dt.timedelta(seconds=i * step + rng.random())
        as_of = moment.date().isoformat()
        roll = rng.random()
        if roll < 0.02 and milestones:
            fields = {"type": "milestone", "as_of": as_of,
                      "objective": milestones[rng.randrange(len(milestones))],
                      "status": rng.choice(["done", "at-risk", "reopened"])}
        elif roll < 0.03:
            fields = {"type": "note", "as_of": as_of,
                      "objective": f"o{rng.randrange(min(n, 1000)):06d}",
                      "note": "board meeting: figures checked"}
        else:
            fields = {"type": "observation", "as_of": as_of,
                      "metric": metrics[rng.randrange(len(metrics))],
                      "value": str(rng.randrange(1, 1000)), "source": "bench"}
        prev, seq = state[writer]
        line = encode({"v": 1, "seq": seq + 1, "writer": writer,
                       "recorded_at": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                       **fields, "prev": prev})
        files[writer].write(line)
        state[writer] = [sha256(line[:-1]), seq + 1]
    for f in files.values():
        f.close()


def timed(argv: list[str], cwd: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of one child process."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "NO_COLOR": "1", "COLUMNS": "160",
           "XDG_CACHE_HOME": str(cwd / ".bench-cache")}
    shutil.rmtree(cwd / ".bench-cache", ignore_errors=True)  # cold: no cached fold
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def run(root: Path, html: bool) -> None:
    cmd = [sys.executable, "-m", "mibtrack"]
    cases = [("status --json", [*cmd, "status", "--json", "--as-of", "2026-06-30"]),
             ("status (table)", [*cmd, "status", "--as-of", "2026-06-30"]),
             ("report --format json", [*cmd, "report", "--format", "json",
                                       "--as-of", "2026-06-30"])]
    if html:
        cases.append(("report --format html", [*cmd, "report", "--format", "html",
                                               "--as-of", "2026-06-30"]))
    for name, argv in cases:
        seconds, rss, code = timed(argv, root)
        print(f"{name:24} {seconds:8.2f} s {rss:8.0f} MB  exit {code}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("size")
    gen.add_argument("dir", type=Path)
    gen.add_argument("--entries", default="20k")
    go = sub.add_parser("run")
    go.add_argument("dir", type=Path)
    go.add_argument("--html", action="store_true")
    args = parser.parse_args()
    if args.what == "generate":
        generate(parse_size(args.size), args.dir, parse_size(args.entries))
    else:
        run(args.dir, args.html)


if __name__ == "__main__":
    main()
