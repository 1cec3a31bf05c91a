"""The goals of a benchmark run as the Markdown table docs/performance.md shows.

    python bench/table.py [bench/results/latest.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def rows(title: str, goals: list[dict]) -> list[str]:
    out = []
    for g in goals:
        cpu = f"{g['cpu_ratio']:.2f}×" if g.get("cpu_ratio") is not None else "–"
        limit = f"≤ {g['at_most']}×" + (f", ≤ {g['at_most_mb']} MB" if g["at_most_mb"] else "")
        out.append(f"| {title} | {g['goal']} | {g['measured_s']:.3f} s, {g['peak_mb']:.0f} MB "
                   f"| {g['anchor']} {g['anchor_s']:.3f} s | {g['ratio']:.2f}× "
                   f"| {cpu} | {limit} "
                   f"| {'yes' if g['met'] else '**no**'} |")
    return out


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results" / "latest.json"
    run = json.loads(path.read_text())
    lines = ["| ledger | goal | measured | anchor (same run) | ratio | CPU ratio | goal | met |",
             "|---|---|---:|---:|---:|---:|---|---|"]
    lines += rows("shipped project", run["shipped"]["goals"])
    for label, one in run["sizes"].items():
        lines += rows(f"user-shaped {label}", one["goals"])
    for label, one in run.get("clones", {}).items():
        lines += rows(f"merged clones {label}", one["goals"])
    print("\n".join(lines))
    machine = run["machine"]
    print(f"\n`{path.relative_to(HERE.parent) if path.is_relative_to(HERE.parent) else path}`, "
          f"{run['when']}: {machine['cpus']} CPUs, Python {machine['python']}, load average "
          f"{machine.get('load_before', ['?'])[0]} when it started.")


if __name__ == "__main__":
    main()
