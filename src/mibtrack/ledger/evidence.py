"""Evidence documents: the files behind a figure (a survey, a board decision), kept by
SHA-256 at `evidence/<sha256>/<name>` at the project's root and named by the entries.

An entry's `evidence` field lists its documents, one per line, `<sha256>:<size>:<name>` (a
flat string: ledger lines hold no nested structures). `verify` checks each referenced
document: missing is a warning (a clone may not carry large files), changed is a break.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..model import EVIDENCE_PATTERN, Document, parse_evidence
from ..model import field_of as field_of


def _hash(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def prepare(paths: list[str]) -> list[tuple[Path, Document]]:
    """Each file named by `--evidence`, read and hashed (exit 2 if it cannot be)."""
    prepared = []
    for text in paths:
        path = Path(text).expanduser()
        name = path.name
        if not re.match(EVIDENCE_PATTERN, Document(name, 0, "0" * 64).item()) or \
                name in (".", ".."):
            raise UsageError(f"--evidence {text!r}: the file name cannot be kept as it is",
                             "rename it without control characters (at most 255 characters)")
        if not path.is_file():
            raise UsageError(f"--evidence {text!r}: no such file", "give a readable file")
        try:
            digest, size = _hash(path)
        except OSError as exc:
            raise UsageError(f"--evidence {text!r}: cannot be read ({exc.strerror})",
                             "give a readable file") from None
        prepared.append((path, Document(name, size, digest)))
    return prepared


def store(root: Path, prepared: list[tuple[Path, Document]]) -> list[Path]:
    """Copy each document to evidence/<sha256>/<name> (written whole and fsynced, then
    linked into place); return the files this call created (to undo if the append fails)."""
    created = []
    for source, document in prepared:
        target = root / document.relpath
        if target.is_file():
            continue  # content-addressed: the same bytes are already kept (verify checks)
        target.parent.mkdir(parents=True, exist_ok=True)
        import tempfile

        handle, temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=target.parent)
        staged = Path(temp)  # never a predictable name a planted link could sit at
        os.fchmod(handle, 0o644)
        digest = hashlib.sha256()
        try:
            with os.fdopen(handle, "wb") as out, open(source, "rb") as src:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != document.sha256:
                raise UsageError(f"--evidence {str(source)!r} changed while it was copied",
                                 "run the command again")
            try:
                os.link(staged, target)
                created.append(target)
            except FileExistsError:
                pass
        except OSError as exc:
            raise UsageError(f"{target}: cannot be written ({exc.strerror})",
                             "check the project folder's permissions and free space") from None
        finally:
            staged.unlink(missing_ok=True)
    return created


@dataclass(frozen=True)
class EvidenceProblem:
    """A referenced document missing (a warning) or changed (a break)."""

    feed: Path
    line: int
    document: Document
    changed: bool

    @property
    def problem(self) -> str:
        what = "changed (its SHA-256 or size differs)" if self.changed else "missing"
        return f"evidence {self.document.relpath} is {what}"

    def describe(self) -> str:
        return f"{self.feed}:{self.line}: {self.problem}"


def check(root: Path, feeds: list[Path]) -> list[EvidenceProblem]:
    """Every document referenced by an entry of `feeds`: present and unchanged? Each file is
    hashed once, however many entries name it."""
    import json

    from .feed import split_lines
    from .scan import lacks

    seen: dict[str, bool | None] = {}  # relpath -> unchanged (None: missing)
    problems = []
    pattern = re.compile(rb'"evidence":("(?:[^"\\]|\\.)*")')
    import mmap

    for feed in feeds:
        try:
            with open(feed, "rb") as handle:
                if os.fstat(handle.fileno()).st_size == 0:
                    continue
                with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
                    # a slice at a time, the pages given back (searched whole, a mapped
                    # feed stayed in memory: 260 MB of `verify`'s peak at 1M entries)
                    if lacks(feed, os.fstat(handle.fileno()), view, b'"evidence":"'):
                        continue  # no document named: nothing read but one byte search
            data = feed.read_bytes()
        except OSError:
            continue
        lines, _ = split_lines(data)
        for number, line in enumerate(lines, start=1):
            match = pattern.search(line)
            if match is None:
                continue
            try:
                documents = parse_evidence(json.loads(match[1]))
            except ValueError:
                continue  # the chain check names a bad line
            for document in documents:
                if document.relpath not in seen:
                    path = root / document.relpath
                    if not path.is_file():
                        seen[document.relpath] = None
                    else:
                        try:
                            seen[document.relpath] = _hash(path) == (document.sha256,
                                                                    document.size)
                        except OSError:
                            seen[document.relpath] = False
                state = seen[document.relpath]
                if state is not True:
                    problems.append(EvidenceProblem(feed, number, document, state is False))
    return problems
