"""`verify --history`: with git, each feed's committed versions must only ever grow.

Appending is the only change a feed may see, so each committed version of a feed (oldest to
newest, as `git log` lists the commits that touched it) and then the working copy must each
be a byte-prefix of the next. A version that is shorter (a dropped tail, which the hash chain
alone cannot see) or differs inside (rewritten history) is reported with the commit where
the feed stopped being a prefix of its past. Only complete lines count: a torn tail that
was committed and then moved to quarantine by `repair` is not a dropped tail. Git is run
as a subprocess, only when the project is inside a git work tree.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import ProjectError, UsageError

WORKING_COPY = "working copy"


@dataclass(frozen=True)
class HistoryBreak:
    """Where a feed's history stops being append-only."""

    #: The feed file (in the working copy; it may have been deleted there).
    path: Path
    #: The commit (or "working copy") whose version is not an extension of the one before.
    commit: str
    #: The commit the version was compared with.
    previous: str
    problem: str

    def describe(self) -> str:
        where = self.commit if self.commit == WORKING_COPY else f"commit {self.commit[:12]}"
        return f"{self.path}: {where}: {self.problem} (compared with {_name(self.previous)})"


@dataclass(frozen=True)
class FeedHistory:
    """What `verify --history` found for one feed."""

    path: Path
    #: Committed versions checked (the working copy not counted).
    commits: int
    problem: HistoryBreak | None


def _name(commit: str) -> str:
    return commit if commit == WORKING_COPY else f"commit {commit[:12]}"


def _git(top: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=top,
                              capture_output=True, timeout=300)
    except FileNotFoundError:
        raise UsageError("--history needs git, which is not installed",
                         "install git, or run `mibtrack verify` without --history") from None
    if check and done.returncode != 0:
        message = " ".join(done.stderr.decode("utf-8", "replace").split()) or "failed"
        raise ProjectError(f"git {args[0]}: {message}", "check the repository with `git fsck`")
    return done


def work_tree(folder: Path) -> Path:
    """The top of the git work tree holding `folder`, or a clear error."""
    done = _git(folder, "rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        raise UsageError(f"{folder} is not in a git work tree: --history has no history to "
                         "check", "commit the project to git, or run `mibtrack verify` "
                         "without --history")
    return Path(done.stdout.decode().strip())


def _difference(old: bytes, new: bytes) -> str:
    if new == old[: len(new)]:
        lines = old[len(new):].count(b"\n")
        return (f"dropped tail: {len(old) - len(new)} bytes ({lines} line"
                f"{'s' if lines != 1 else ''}) removed")
    at = next(i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b)
    line = old.count(b"\n", 0, at) + 1
    return f"rewritten history: line {line} changed (byte {at + 1} of the feed)"


def check_feed(top: Path, path: Path) -> FeedHistory:
    """Check one feed's committed versions and its working copy."""
    rel = path.resolve().relative_to(top.resolve()).as_posix()
    log = _git(top, "log", "--reverse", "--topo-order", "--format=%H", "--", rel)
    commits = log.stdout.decode().split()
    versions: list[tuple[str, bytes]] = []
    for commit in commits:
        shown = _git(top, "cat-file", "blob", f"{commit}:{rel}", check=False)
        versions.append((commit, shown.stdout if shown.returncode == 0 else b""))
    versions.append((WORKING_COPY, path.read_bytes() if path.is_file() else b""))
    for (before, old), (now, new) in zip(versions, versions[1:], strict=False):
        old = old[: old.rfind(b"\n") + 1]  # a committed torn tail may be repaired away
        if not new.startswith(old):
            return FeedHistory(path, len(commits), HistoryBreak(path, now, before,
                                                                _difference(old, new)))
    return FeedHistory(path, len(commits), None)


def check_history(ledger_root: Path, feed_paths: list[Path]) -> list[FeedHistory]:
    """Every feed of the ledger, including feeds committed once and deleted since."""
    top = work_tree(ledger_root if ledger_root.is_dir() else ledger_root.parent)
    rel = (ledger_root.resolve()).relative_to(top.resolve()).as_posix()
    named = _git(top, "log", "--format=", "--name-only", "-z", "--", rel)
    paths = set(feed_paths)
    for name in named.stdout.decode("utf-8", "replace").split("\0"):
        name = name.strip("\n")
        candidate = top / name
        if name.endswith(".jsonl") and candidate.parent.resolve() == ledger_root.resolve():
            paths.add(ledger_root / candidate.name)
    return [check_feed(top, path) for path in sorted(paths)]
