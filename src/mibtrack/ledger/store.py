"""The ledger folder: every writer's feed, merged in one deterministic order."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import IntegrityError, ProjectError, UsageError
from ..model import WRITER_PATTERN, Entry, fact_content
from ..values import canonical
from . import feed as feeds
from .codec import parse_fields

if TYPE_CHECKING:
    from .spool import Drafts

FEED_SUFFIX = ".jsonl"


#: Where a clone keeps its own writer id (never committed: `.mibtrack/` is git-ignored).
WRITER_FILE = Path(".mibtrack") / "writer"


def host_writer() -> str:
    """user@host, cleaned to the characters a feed file name may hold."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except Exception:
        user = "user"
    raw = f"{user}@{socket.gethostname().split('.')[0]}"
    return re.sub(r"[^A-Za-z0-9._@+-]", "-", raw).lstrip(".-@+")[:100] or "writer"


def default_writer(root: Path | None = None) -> str:
    """This clone's writer id: user@host plus a short random suffix, chosen once and kept
    in `<root>/.mibtrack/writer`, so two clones (even on machines with the same user@host)
    never append to one feed by mistake. Without a project root: plain user@host."""
    if root is None:
        return host_writer()
    import os
    import secrets

    path = root / WRITER_FILE
    try:
        kept = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        kept = ""
    except OSError as exc:
        raise ProjectError(f"{path}: cannot be read ({exc.strerror})",
                           "fix its permissions, or set MIBTRACK_WRITER") from None
    if kept:
        if not re.match(WRITER_PATTERN, kept):
            raise ProjectError(f"{path}: {kept[:40]!r} is not a usable writer id",
                               "delete the file (a new id is chosen) or set MIBTRACK_WRITER")
        return kept
    chosen = f"{host_writer()}+{secrets.token_hex(3)}"
    try:
        path.parent.mkdir(exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():  # the folder ignores itself, whatever the project's .gitignore
            ignore.write_text("*\n", encoding="utf-8")
        # written whole beside it, then linked into place: a concurrent command of this
        # clone either wins the link or reads the winner's complete file
        draft_path = path.with_name(f"writer.{os.getpid()}.{secrets.token_hex(4)}")
        with open(draft_path, "w", encoding="utf-8") as out:
            out.write(f"{chosen}\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(draft_path, path)
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip() or chosen
        finally:
            draft_path.unlink(missing_ok=True)
    except OSError as exc:
        raise ProjectError(f"{path}: cannot be written ({exc.strerror})",
                           "fix the project folder's permissions, or set MIBTRACK_WRITER") \
            from None
    return chosen


def check_writer(writer: str) -> str:
    if not re.fullmatch(WRITER_PATTERN.strip("^$"), writer):
        raise UsageError(f"writer id {writer!r} is not usable as a feed name",
                         "use letters, digits and . _ @ + - (e.g. alice@office)")
    return writer


def merge_key(entry: Entry) -> tuple[Any, ...]:
    """The deterministic reading order across feeds: when recorded, then writer, then seq."""
    return (entry.recorded_at, entry.writer, entry.seq)


@dataclass
class LedgerContent:
    """Every good entry of every feed in merge order, and the torn tails that were skipped."""

    entries: list[Entry] = field(default_factory=list)
    torn: list[feeds.TornTail] = field(default_factory=list)
    #: Feeds `verify` rejects, left out of every figure (see `Ledger.survey`).
    left_out: list[feeds.Break] = field(default_factory=list)
    #: Batch journals that are not honoured (named, left alone).
    notices: list[str] = field(default_factory=list)

    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}

    def resolve(self, prefix: str) -> Entry:
        """An entry by its id or a unique prefix of it, as git names commits."""
        needle = prefix.strip().lower()
        if not re.fullmatch(r"[0-9a-f]{4,64}", needle):
            raise UsageError(f"{prefix!r} is not an entry id",
                             "give at least 4 hex digits of an id shown by `mibtrack log`")
        matches = [e for e in self.entries if e.id.startswith(needle)]
        if not matches:  # an original `recover` moved: its re-recorded copy stands for it
            matches = [e for e in self.entries
                       if e.recovered_from is not None and e.recovered_from.startswith(needle)]
        if not matches:
            raise UsageError(f"no entry with id {prefix!r}", "see `mibtrack log` for entry ids")
        if len(matches) > 1:
            raise UsageError(f"{prefix!r} names {len(matches)} entries",
                             "give more digits of the id")
        return matches[0]


@dataclass(frozen=True)
class Appended:
    entry: Entry
    #: True when the key was recorded before with the same content: nothing was written.
    already: bool = False


def draft(type_: str, **fields: Any) -> dict[str, Any]:
    """A new entry's fields as they will be stored: decimals and dates as text, Nones dropped."""
    out: dict[str, Any] = {"type": type_}
    for name, value in fields.items():
        if value is None:
            continue
        out[name] = value if value.__class__ is str else _stored(value)
    return out


def _stored(value: Any) -> Any:
    """A decimal (canonical) or a date as the text a line stores; anything else as it is."""
    if isinstance(value, Decimal):
        return format(canonical(value), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class FeedVerdict:
    """What `verify` found in one feed."""

    path: Path
    entries: int
    problem: feeds.Break | None


def content_of(fields: object) -> tuple[Any, ...]:
    """What makes two records with one key the same fact (`model.fact_content`)."""
    return fact_content(fields)


class Ledger:
    """The `ledger/` folder of a project."""

    def __init__(self, root: Path, on_appended: feeds.OnAppended | None = None,
                 marks: Any = None) -> None:
        self.root = root
        #: Told of each successful append (the incremental cache's receipts).
        self.on_appended = on_appended
        #: How far each feed's chain is known good (`chainmark.ChainMarks`), or None.
        self.marks = marks
        #: What the last `verify` noticed that is no break (keys not listed, when optional).
        self.notices: list[str] = []
        #: Gives the signer of new lines (or None: unsigned), asked once per append, so a
        #: key is loaded only by commands that write.
        self.signer: Callable[[], Callable[[bytes], str] | None] | None = None
        #: Gives `[program] signatures` ("optional" or "required"), asked when reading
        #: commands choose the feeds they count (None: "optional").
        self.signatures: Callable[[], str] | None = None
        #: Where signature checks note the feeds they found clean (`sigmark`), or None.
        self.signature_marks: Any = None

    def feed_path(self, writer: str) -> Path:
        return self.root / f"{check_writer(writer)}{FEED_SUFFIX}"

    def feed_paths(self) -> list[Path]:
        """The feeds whose file is fit to read: see `survey`."""
        return self.survey()[0]

    def survey(self) -> tuple[list[Path], list[feeds.Break]]:
        """Every `*.jsonl` in ledger/ (hidden ones included): the files fit to read — a
        regular file (not a link, FIFO or device) named `<writer>.jsonl` for a valid writer
        id — and a Break for each other one (a copied `alice copy.jsonl`, a hidden
        `.x.jsonl`, a symbolic link), which no reading command counts and `verify`
        reports. A missing ledger/ is an error (exit 3), not an empty ledger."""
        import stat

        try:
            names = sorted(os.listdir(self.root))
        except FileNotFoundError:
            raise ProjectError(f"{self.root}: no ledger folder",
                               "run `mibtrack init`, or restore ledger/ from git") from None
        except NotADirectoryError:
            raise ProjectError(f"{self.root}: is not a folder",
                               "ledger/ holds one feed file per writer") from None
        except OSError as exc:
            raise ProjectError(f"{self.root}: cannot be read ({exc.strerror})") from None
        good: list[Path] = []
        bad: list[feeds.Break] = []
        for name in names:
            if not name.endswith(FEED_SUFFIX):
                continue
            path = self.root / name
            try:
                st = os.lstat(path)
            except OSError:
                continue
            writer = name[: -len(FEED_SUFFIX)]
            if stat.S_ISLNK(st.st_mode):
                bad.append(feeds.Break(path, 0, "is a symbolic link: a feed must be the file "
                                       "itself (a link can count another feed twice or write "
                                       "outside the project)"))
            elif not stat.S_ISREG(st.st_mode):
                bad.append(feeds.Break(path, 0, "is not a regular file"))
            elif not re.fullmatch(WRITER_PATTERN.strip("^$"), writer):
                bad.append(feeds.Break(path, 0, "its name is not a writer id (a copied or "
                                       "hidden feed? a feed is named <writer>.jsonl)"))
            else:
                good.append(path)
        return good, bad

    def journal_notices(self, paths: list[Path]) -> list[str]:
        """Warnings for batch journals that are not honoured."""
        found = []
        for path in paths:
            if os.path.lexists(feeds.pending_path(path)):
                warning = feeds.journal_warning(path)
                if warning is not None:
                    found.append(warning)
        return found

    def accepted(self) -> tuple[list[Path], list[feeds.Break]]:
        """The feeds reading commands count: `survey`'s, less those whose chain `verify`
        rejects (a torn tail alone is not a rejection: the entries before it count), and,
        when signatures are required, those whose signatures `verify` rejects."""
        from .scan import fast_chains

        good, bad = self.survey()
        kept = []
        broken = []
        jobs = [(path, path.name[: -len(FEED_SUFFIX)]) for path in good
                if not os.path.lexists(feeds.pending_path(path))]
        intact = {path for (path, _), quick in zip(jobs, fast_chains(jobs), strict=True)
                  if quick is not None}
        for path in good:
            # the fast check only ever says "intact"; any doubt is settled by check_chain
            problem = None if path in intact else feed_problem(path, path.name[:-len(FEED_SUFFIX)])
            if problem is None:
                kept.append(path)
            else:
                bad.append(problem)
                broken.append(problem)
        refused = self.signature_breaks(kept, broken)
        kept = [path for path in kept if path not in refused]
        bad += refused.values()
        return kept, sorted(bad, key=lambda b: b.path.name)

    def signatures_required(self) -> bool:
        return self.signatures is not None and self.signatures() == "required"

    def signature_breaks(self, paths: list[Path], broken: Sequence[feeds.Break] = (),
                         proven: dict[Path, tuple[int, int]] | None = None
                         ) -> dict[Path, feeds.Break]:
        """With signatures required, the first line `verify` rejects in each of `paths`
        (unsigned, a bad signature, a key not listed for its writer or outside its
        window); nothing when they are optional. `broken`: feeds already left out for
        their chain, whose lines before the break still hold writers entries (as `verify`
        reads them); `proven`: a feed's first (bytes, lines) checked before (the cache's
        proof)."""
        if not paths or not self.signatures_required():
            return {}
        from .signing import check_signatures

        judged = set(paths)
        report = check_signatures(
            self.root, [*((p, None) for p in paths),
                        *((b.path, b.line - 1 if b.line else 0) for b in broken)],
            True, proven, self.signature_marks)
        return {path: feeds.Break(path, found.line, found.problem, "signature")
                for path, found in report.problems.items() if path in judged}

    def read(self) -> LedgerContent:
        content = LedgerContent()
        paths, content.left_out = self.accepted()
        content.notices = self.journal_notices(paths)
        for path in paths:
            one = feeds.read_feed(path)
            content.entries.extend(one.entries)
            if one.torn:
                content.torn.append(one.torn)
        content.entries.sort(key=merge_key)
        return content

    def append(self, writer: str, drafts: list[dict[str, Any]], dry_run: bool = False
               ) -> list[Appended]:
        """Append drafts to the writer's feed; keys already recorded with the same content
        are skipped, with other content refused (exit 2) before anything is written.
        `dry_run`: the same checks and the entries that would be written; nothing is."""
        if not self.root.is_dir():
            raise ProjectError(f"{self.root}: no ledger folder",
                               "run `mibtrack init`, or restore ledger/ from git")
        path = self.feed_path(writer)
        if any(None in d.values() for d in drafts):  # (a copy only when there is one)
            drafts = [{k: v for k, v in d.items() if v is not None} for d in drafts]
        keyed = {d["key"]: d for d in drafts if "key" in d}
        if len(keyed) < sum(1 for d in drafts if "key" in d):
            drafts, keyed = _dedupe_keys(drafts)
        for _ in range(8):
            # keys are looked up without the lock (all feeds, cheap to re-run); under the lock
            # a guard re-reads what the writer's own feed gained since, and if a key turned up
            # there (a concurrent run of the same cron job) nothing is written and we look again
            own_size = path.stat().st_size if path.exists() else 0
            existing = self._find_keys(set(keyed)) if keyed else {}
            results: list[Appended | None] = []
            fresh: list[dict[str, Any]] = []
            for draft in drafts:
                key = draft.get("key")
                if key in existing:
                    found = existing[key]
                    if found[1] != content_of(_stringified(draft)):
                        raise UsageError(f"key {key!r} was already recorded with other content "
                                         f"(entry {found[2][:12]}, {found[3]})",
                                         "use a new key, or `mibtrack correct` the earlier "
                                         "entry", kind="key-conflict", key=key,
                                         ids=(found[2],))
                    results.append(Appended(found[0], already=True))
                else:
                    results.append(None)
                    fresh.append(draft)
            if not fresh:
                return [r for r in results if r is not None]
            if dry_run:
                previewed = iter(feeds.preview(path, writer, fresh))
                return [r if r is not None else Appended(next(previewed)) for r in results]
            fresh_keys = {d["key"] for d in fresh if "key" in d}
            guard = _keys_guard(fresh_keys.__contains__, own_size) if fresh_keys else None
            sign = self.signer() if self.signer is not None else None
            try:
                written = iter(feeds.append(path, writer, fresh, self.on_appended, guard,
                                            sign, self.marks))
            except _KeyRaced:
                continue
            return [r if r is not None else Appended(next(written)) for r in results]
        raise IntegrityError(f"{path}: the same keys keep being recorded concurrently",
                             "run the command again once the other writers are done")

    def verify(self, signatures: str = "optional") -> list[FeedVerdict]:
        """Recompute every feed's chain, clock and signatures; report the first break of
        each (and of ledger/writers). With `signatures="required"`, an unsigned entry and a
        key not authorised for its writer at its moment are breaks too; notices that are no
        break are left in `self.notices`."""
        from .scan import fast_chains

        self.notices = []

        verdicts = []
        paths, misfit = self.survey()
        jobs = [(path, path.name[: -len(FEED_SUFFIX)]) for path in paths]
        # a feed with a batch journal (an import cut short) goes to check_chain, which
        # knows how to set the unfinished batch aside; so does any doubt of the fast check
        journaled = {path for path, _ in jobs if feeds.pending_path(path).exists()}
        quick_jobs = [job for job in jobs if job[0] not in journaled]
        quick_of = dict(zip((p for p, _ in quick_jobs), fast_chains(quick_jobs), strict=True))
        for path, writer in jobs:
            quick = quick_of.get(path)
            # the fast check only ever says "intact"; any doubt is settled by check_chain
            count, problem = quick if quick is not None else feeds.check_chain(path, writer)
            verdicts.append(FeedVerdict(path, count, problem))  # type: ignore[arg-type]
        checked = self._evidence(self._signatures(verdicts, signatures == "required"))
        # misfits (links, FIFOs, copies) are never opened: reported by name alone
        checked += [FeedVerdict(b.path, 0, b) for b in misfit]
        return sorted(checked, key=lambda v: v.path.name)

    def _evidence(self, verdicts: list[FeedVerdict]) -> list[FeedVerdict]:
        """Every document an entry names: missing is a notice, changed a break."""
        from .evidence import EvidenceProblem, check

        problems = check(self.root.parent, [v.path for v in verdicts
                                            if v.path.name.endswith(FEED_SUFFIX)])
        self.notices.extend(p.describe() + " — restore it from where it came (it is named by "
                            "its SHA-256)" for p in problems if not p.changed)
        changed: dict[Path, EvidenceProblem] = {}
        for problem in problems:
            if problem.changed:
                changed.setdefault(problem.feed, problem)
        out = []
        for verdict in verdicts:
            found = changed.get(verdict.path)
            if found is not None and (verdict.problem is None
                                      or found.line < verdict.problem.line):
                verdict = FeedVerdict(verdict.path, found.line - 1,
                                      feeds.Break(verdict.path, found.line, found.problem,
                                                  "evidence"))
            out.append(verdict)
        return out

    def _signatures(self, verdicts: list[FeedVerdict], required: bool) -> list[FeedVerdict]:
        from .signing import WRITERS_FILE, check_signatures, signatures_present

        # a broken feed's lines before the break still count (its writers entries)
        good = [(v.path, v.entries if v.problem else None) for v in verdicts]
        writers = self.root / WRITERS_FILE
        if not required and not writers.exists() and not signatures_present(good):
            return verdicts  # the unsigned path: one byte search per feed, nothing parsed
        report = check_signatures(self.root, good, required)
        self.notices = report.notices
        out = []
        for verdict in verdicts:
            found = report.problems.pop(verdict.path, None)
            if found is not None and (verdict.problem is None
                                      or found.line < verdict.problem.line):
                verdict = FeedVerdict(verdict.path, found.line - 1,
                                      feeds.Break(verdict.path, found.line, found.problem,
                                                  "signature"))
            out.append(verdict)
        for found in report.problems.values():  # ledger/writers
            out.append(FeedVerdict(found.path, len(report.state),
                                   feeds.Break(found.path, found.line, found.problem,
                                               "signature")))
        return out

    def repair(self) -> list[Path]:
        """Quarantine every torn tail; return the quarantine files written."""
        moved = []
        for path in self.feed_paths():
            if (target := feeds.quarantine(path)) is not None:
                moved.append(target)
        return moved

    def _find_keys(self, keys: set[str]) -> dict[str, tuple[Any, tuple[Any, ...], str, str]]:
        """Entries already holding one of `keys`, as (the entry, its `content_of`, its id,
        where it is); the first recorded of each key (`recorded_keys`)."""
        from .codec import decode

        found: dict[str, tuple[Any, tuple[Any, ...], str, str]] = {}
        hashes = {hash(k) for k in keys}
        for key, content, id_, path, at, view in self.recorded_keys(keys.__contains__,
                                                                     hashes):
            if key not in found:
                number = line_number(view, at)
                found[key] = (decode(view[at:view.find(b"\n", at)], f"{path}:{number}"),
                              content, id_, f"{path.name} line {number}")
        return found

    def recorded_keys(self, wanted: Callable[[str], bool], hashes: Container[int]
                      ) -> Iterator[tuple[str, tuple[Any, ...], str, Path, int, Any]]:
        """(key, `content_of`, id, feed, offset of the line, the feed's bytes) of every line
        whose key is `wanted`, feed by feed in `feed_paths` order and in file order; only
        the lines whose key's hash is in `hashes` are read. Each feed's key index
        (`scan.KeyIndex`, 16 bytes a keyed line) finds them, so a re-import of a million
        rows reads the million lines it needs, a slice of the feed at a time (the pages
        read given back: flat memory). Lines of an import cut short are not recorded facts,
        nor are the lines of a feed `verify` rejects."""
        from . import lines as reader
        from .codec import MAX_LINE_BYTES
        from .scan import PARTS, SLICE, key_index, mapped, release

        for path in self.feed_paths():
            index = key_index(path)
            if index is None:
                continue
            starts = sorted(at for k in range(PARTS) for h, at in
                            zip(*index.part(k), strict=True) if h in hashes)
            if not starts or self._problem(path) is not None:
                continue
            end = _recorded_end(path)
            with mapped(path) as view:
                if view is None:
                    continue
                done = 0
                for at in starts:
                    stop = view.find(b"\n", at, end)
                    if at >= end or stop < 0:
                        break
                    if at - done > SLICE:
                        release(view, done, at)
                        done = at
                    line = view[at:stop]
                    # a canonical observation by the compiled reader: the fields
                    # `parse_fields` gives (the feed's lines were checked with its chain)
                    obs = reader.read(line) if len(line) <= MAX_LINE_BYTES else None
                    if obs is not None:
                        if obs.key is not None and wanted(obs.key):
                            yield obs.key, reader.content(obs), obs.id, path, at, view
                        continue
                    try:
                        fields = parse_fields(line)
                    except ValueError as exc:  # one stderr line (exit 3), not exit 70
                        raise ProjectError(f"{path}:{line_number(view, at)}: invalid ledger "
                                           f"entry: {exc}", "run `mibtrack verify`; entries "
                                           "are never edited by hand") from None
                    key = fields.get("key")
                    if isinstance(key, str) and wanted(key):
                        yield key, content_of(fields), str(fields["id"]), path, at, view

    def _problem(self, path: Path) -> feeds.Break | None:
        """`feed_problem`, from where this user's chain mark proves the feed unchanged (the
        end of the last append, which checked it)."""
        start, first = 0, 1
        if self.marks is not None:
            try:
                proven = self.marks.proven(path, os.stat(path))
            except OSError:
                proven = None
            if proven:
                start, first = proven[0], proven[1] + 1
        return feed_problem(path, path.name[: -len(FEED_SUFFIX)], start, first)

    def mark_recorded(self, drafts: Drafts) -> None:
        """Mark the import's drafts whose key is already recorded with the same content
        (`spool.RECORDED`); a key recorded with other content is refused (exit 2, the
        error names the key of the earliest such row: the CLI points at the file's line)."""
        from .spool import KEEP, RECORDED

        skip = drafts.skip
        refused: tuple[int, UsageError] | None = None
        for key, content, id_, path, at, view in self.recorded_keys(drafts.wants,
                                                                     drafts.hashes):
            found = drafts.find(key)
            if found is None or skip[found[0]] != KEEP:
                continue  # not a key of the file, or its first record was already seen
            index, draft = found
            if content == content_of(draft):
                skip[index] = RECORDED
            elif refused is None or index < refused[0]:
                refused = (index, UsageError(
                    f"key {key!r} was already recorded with other content (entry "
                    f"{id_[:12]}, {path.name} line {line_number(view, at)})",
                    "use a new key, or `mibtrack correct` the earlier entry",
                    kind="key-conflict", key=key, ids=(id_,)))
                skip[index] = RECORDED  # judged: a later copy of the key is not compared
        if refused is not None:
            raise refused[1]

    def import_drafts(self, writer: str, drafts: Drafts) -> feeds.BatchWritten:
        """Append an import's drafts to the writer's feed in one locked, fsynced, journaled
        write, as `append` does a list: those already recorded with the same content are
        skipped (`mark_recorded`), other content refused before anything is written."""
        if not self.root.is_dir():
            raise ProjectError(f"{self.root}: no ledger folder",
                               "run `mibtrack init`, or restore ledger/ from git")
        path = self.feed_path(writer)
        for _ in range(8):
            own_size = path.stat().st_size if path.exists() else 0
            self.mark_recorded(drafts)
            if not drafts.kept_count:
                return feeds.BatchWritten(0, "", "")
            guard = _keys_guard(drafts.find, own_size)
            sign = self.signer() if self.signer is not None else None
            try:
                return feeds.append_batch(path, writer, drafts.kept(), self.on_appended,
                                          guard, sign, self.marks)
            except _KeyRaced:
                continue
        raise IntegrityError(f"{path}: the same keys keep being recorded concurrently",
                             "run the command again once the other writers are done")


def line_number(view: Any, at: int) -> int:
    """The number of the line starting at byte `at` of a feed's (mapped) bytes."""
    from .scan import count_lines

    return 1 + count_lines(view, at)


def _recorded_end(path: Path) -> int:
    """Where a feed's recorded lines end: before an import cut short, if one is."""
    if not os.path.lexists(feeds.pending_path(path)):
        return os.stat(path).st_size
    return len(feeds.without_unfinished_batch(path, feeds._read_regular(path)))


#: A line's `"key":"…"` (a quote inside a JSON string is escaped, so this cannot match text).
_KEY_FIELD = re.compile(rb'"key":("(?:[^"\\]|\\.)*")')


def feed_problem(path: Path, writer: str, start: int = 0, first: int = 1
                 ) -> feeds.Break | None:
    """What `verify` rejects in a feed (None: its chain is intact, or only torn at the end);
    from byte `start`, line `first`, when the bytes before were proven unchanged since they
    were checked. The fast check settles the usual case; any doubt goes to `check_chain`."""
    from .scan import fast_chain

    if not os.path.lexists(feeds.pending_path(path)) \
            and fast_chain(path, writer, start, first) is not None:
        return None
    _, problem = feeds.check_chain(path, writer, start, first)
    return None if problem is None or problem.torn else problem


class _KeyRaced(Exception):
    """A key being recorded appeared in the feed between the lookup and the lock."""


def _keys_guard(wanted: Callable[[str], Any], since: int) -> Any:
    """Under the feed's lock: refuse (to look again) if the feed gained a `wanted` key."""
    import json

    def guard(fd: int, size: int) -> None:
        start = since if size >= since else 0  # cut back meanwhile (repair): read it all
        gained = os.pread(fd, size - start, start)
        for match in _KEY_FIELD.finditer(gained):
            try:
                key = json.loads(match[1])
            except ValueError:
                continue
            if isinstance(key, str) and wanted(key):
                raise _KeyRaced()

    return guard


def _stringified(draft: dict[str, Any]) -> dict[str, Any]:
    """Draft fields as they read back from a line (so content compares like for like)."""
    return {k: (str(v) if not isinstance(v, (str, int)) else v) for k, v in draft.items()}


def _dedupe_keys(drafts: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Within one batch, a key twice with the same content is one record; else refused."""
    kept: list[dict[str, Any]] = []
    keyed: dict[str, dict[str, Any]] = {}
    for draft in drafts:
        key = draft.get("key")
        if key is None:
            kept.append(draft)
        elif key in keyed:
            if content_of(keyed[key]) != content_of(draft):
                raise UsageError(f"key {key!r} appears twice with different content",
                                 "give each record its own key", kind="key-conflict", key=key)
        else:
            keyed[key] = draft
            kept.append(draft)
    return kept, keyed
