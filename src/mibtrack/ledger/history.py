"""`verify --history`: with git, each feed's committed versions must only ever grow.

Appending is the only change a feed may see, so along every edge of the history — each
commit and each of its parents, merges included (git's simplified history, which `git log
-- PATH` follows, skips the side a merge took nothing from: exactly where a merge that
dropped entries hides) — and from HEAD to the working copy, the parent's version of a feed
must be a byte-prefix of the child's. A version that is shorter (a dropped tail, which the
hash chain alone cannot see) or differs inside (rewritten history) is reported with the
commit where the feed stopped being a prefix of its past. Only complete lines count: a torn
tail that was committed and then moved to quarantine by `repair` is not a dropped tail; nor
is the side of a fork that `mibtrack recover` moved, whose lines are in a
`quarantine/<writer>.*.fork` copy of the same commit. Git is run as a subprocess, only when
the project is inside a git work tree.
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
        return f"{self.path}: {self.detail()}"

    def detail(self) -> str:
        """Where in the history and what, without the feed (a line that names it already)."""
        where = self.commit if self.commit == WORKING_COPY else f"commit {self.commit[:12]}"
        return f"{where}: {self.problem} (compared with {_name(self.previous)})"


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


class _Repo:
    """The commits of HEAD's whole history (every parent of every merge, no simplification)
    and the blobs of the files asked for, read with two git processes however many commits."""

    def __init__(self, top: Path) -> None:
        self.top = top
        done = _git(top, "rev-list", "--topo-order", "--reverse", "--parents", "HEAD",
                    check=False)
        rows = [line.split() for line in done.stdout.decode().splitlines()]
        #: (commit, parents), parents before children.
        self.commits: list[tuple[str, list[str]]] = [(row[0], row[1:]) for row in rows if row]
        # commits only git's reflogs still hold (no branch, tag or HEAD reaches them): the
        # history before a reset, rebase, squash or force-push; their entries must still
        # all be in the working copy
        done = _git(top, "rev-list", "--reflog", "--not", "--all", check=False)
        #: Abandoned commits, newest first.
        self.abandoned: list[str] = done.stdout.decode().split() if self.commits else []
        self._blobs: dict[str, bytes] = {}

    def versions(self, rel: str) -> dict[str, str]:
        """The blob id of `rel` in each commit that holds it."""
        if not self.commits:
            return {}
        every = [commit for commit, _ in self.commits] + self.abandoned
        query = "".join(f"{commit}:{rel}\n" for commit in every).encode()
        done = subprocess.run(["git", "cat-file", "--batch-check=%(objectname) %(objecttype)"],
                              cwd=self.top, input=query, capture_output=True, timeout=300)
        found: dict[str, str] = {}
        for commit, row in zip(every, done.stdout.decode().splitlines(), strict=False):
            oid, _, kind = row.partition(" ")
            if kind == "blob":
                found[commit] = oid
        return found

    def blob(self, oid: str) -> bytes:
        if oid not in self._blobs:
            self._blobs[oid] = _git(self.top, "cat-file", "blob", oid).stdout
        return self._blobs[oid]

    def fork_copies(self, commit: str, folder: str, stem: str) -> list[bytes]:
        """The `mibtrack recover` copies (`<stem>.*.fork`) of a feed in a commit's tree."""
        done = _git(self.top, "ls-tree", "-z", commit, f"{folder}/", check=False)
        copies = []
        for row in done.stdout.decode("utf-8", "replace").split("\0"):
            meta, _, name = row.partition("\t")
            fields, leaf = meta.split(), name.rsplit("/", 1)[-1]
            if (len(fields) == 3 and fields[1] == "blob" and leaf.startswith(f"{stem}.")
                    and leaf.endswith(".fork")):
                copies.append(self.blob(fields[2]))
        return copies


def _recovered(old: bytes, copies: list[bytes]) -> bool:
    """Are all of `old`'s lines in one `mibtrack recover` copy (the side it moved away)?"""
    lines = set(old.split(b"\n")[:-1])
    return any(lines <= set(copy.split(b"\n")) for copy in copies)


def check_feed(top: Path, path: Path, repo: _Repo | None = None) -> FeedHistory:
    """Check one feed along every edge of the history (each parent of each merge, then HEAD
    to the working copy): the parent's version must be a byte-prefix of the child's."""
    repo = repo or _Repo(top)
    rel = path.resolve().relative_to(top.resolve()).as_posix()
    folder = rel.rsplit("/", 1)[0] + "/quarantine" if "/" in rel else "quarantine"
    versions = repo.versions(rel)
    touched = 0
    edges: list[tuple[str, str, str | None, str | None]] = []  # child, parent, blobs
    for commit, parents in repo.commits:
        mine = versions.get(commit)
        theirs = [versions.get(parent) for parent in parents]
        if mine is not None and all(blob != mine for blob in theirs):
            touched += 1
        edges.extend((commit, parent, mine, blob) for parent, blob in zip(parents, theirs,
                                                                          strict=True))
    if repo.commits:
        edges.append((WORKING_COPY, repo.commits[-1][0], None, versions.get(repo.commits[-1][0])))
    for child, parent, mine, before in edges:
        if before is None or (child != WORKING_COPY and mine == before):
            continue
        old = repo.blob(before)
        old = old[: old.rfind(b"\n") + 1]  # a committed torn tail may be repaired away
        if child == WORKING_COPY:
            new = path.read_bytes() if path.is_file() else b""
        else:
            new = repo.blob(mine) if mine is not None else b""
        if new.startswith(old) or _conflict_keeping(old, new):
            continue
        if child == WORKING_COPY:
            quarantine = path.parent / "quarantine"
            copies = [p.read_bytes() for p in sorted(quarantine.glob(f"{path.stem}.*.fork"))]
        else:
            copies = repo.fork_copies(child, folder, path.stem)
        if _recovered(old[len(_common(old, new)):], copies):
            continue  # `mibtrack recover` moved that side: kept in the quarantine copy
        return FeedHistory(path, touched, HistoryBreak(path, child, parent,
                                                       _difference(old, new)))
    current = path.read_bytes() if path.is_file() else b""
    quarantine = path.parent / "quarantine"
    for commit in repo.abandoned:  # newest first: the last version before the rewrite
        blob = versions.get(commit)
        if blob is None:
            continue
        old = repo.blob(blob)
        old = old[: old.rfind(b"\n") + 1]
        if current.startswith(old) or _conflict_keeping(old, current):
            continue
        copies = [p.read_bytes() for p in sorted(quarantine.glob(f"{path.stem}.*.fork"))]
        if _recovered(old[len(_common(old, current)):], copies):
            continue
        return FeedHistory(path, touched, HistoryBreak(
            path, WORKING_COPY, commit, f"{_difference(old, current)}; commit {commit[:12]} "
            "is no longer in the history, only in git's reflog (a reset, rebase, squash or "
            "force-push dropped it)"))
    return FeedHistory(path, touched, None)


def _conflict_keeping(old: bytes, new: bytes) -> bool:
    """A merge committed with git's conflict markers that still holds every line of the
    parent: nothing dropped yet (`verify` names the conflict until `recover` settles it)."""
    from .codec import conflict_marker

    lines = new.split(b"\n")
    return any(map(conflict_marker, lines)) and set(old.split(b"\n")) <= set(lines)


def _common(old: bytes, new: bytes) -> bytes:
    """The longest run of whole lines both start with."""
    at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
              min(len(old), len(new)))
    return old[: old.rfind(b"\n", 0, at) + 1]


def check_history(ledger_root: Path, feed_paths: list[Path]) -> list[FeedHistory]:
    """Every feed of the ledger, including feeds committed once and deleted since."""
    top = work_tree(ledger_root if ledger_root.is_dir() else ledger_root.parent)
    rel = (ledger_root.resolve()).relative_to(top.resolve()).as_posix()
    named = _git(top, "log", "--full-history", "--format=", "--name-only", "-z",
                 "--", rel, check=False)
    paths = set(feed_paths)
    for name in named.stdout.decode("utf-8", "replace").split("\0"):
        name = name.strip("\n")
        candidate = top / name
        if name.endswith(".jsonl") and candidate.parent.resolve() == ledger_root.resolve():
            paths.add(ledger_root / candidate.name)
    repo = _Repo(top)
    return [check_feed(top, path, repo) for path in sorted(paths)]
