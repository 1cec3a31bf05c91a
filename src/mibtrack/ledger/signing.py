"""Who wrote what: Ed25519 signatures on entries, in OpenSSH's SSHSIG format, and the
authorised writers (`ledger/writers`, git's allowed_signers format).

A signed line carries `"sig":"<base64>"` after `prev` and before `id`: the base64 of an
SSHSIG blob (namespace `mibtrack`, hash sha512) over the line's bytes before `,"sig":`,
closed by `}` — exactly the bytes `ssh-keygen -Y sign -n mibtrack` would be given. So
`ssh-keygen -Y verify` accepts our signatures and we accept its (armor the base64, or strip
the armor). The id, taken after the signature, covers every byte.

Writers are authorised by `writers` entries in the ledger, each signed by a writer already
authorised at that moment (the first one by the key it adds): `ledger/writers` is their
rendering, for people and for `ssh-keygen`, and must equal it. An entry's key must be listed
for its writer id, and valid at its `recorded_at` (`valid-after` ≤ recorded_at <
`valid-before`): revoking a key sets its `valid-before`, so earlier entries stay valid and
later ones are rejected. cryptography is imported only when a signature is made or checked.
"""

from __future__ import annotations

import base64
import datetime as dt
import fnmatch
import hashlib
import os
import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ProjectError, UsageError

if TYPE_CHECKING:
    from ..model import Entry

NAMESPACE = b"mibtrack"
WRITERS_FILE = "writers"
KEY_ENV = "MIBTRACK_SIGNING_KEY"
_MAGIC = b"SSHSIG"
_ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_ARMOR_END = "-----END SSH SIGNATURE-----"


# ------------------------------------------------------------------ SSHSIG
def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _read_string(blob: bytes, at: int) -> tuple[bytes, int]:
    if at + 4 > len(blob):
        raise ValueError("truncated")
    size = struct.unpack(">I", blob[at:at + 4])[0]
    if at + 4 + size > len(blob):
        raise ValueError("truncated")
    return blob[at + 4:at + 4 + size], at + 4 + size


def _signed_data(message: bytes, hash_name: bytes = b"sha512") -> bytes:
    digest = hashlib.new(hash_name.decode(), message).digest()
    return _MAGIC + _string(NAMESPACE) + _string(b"") + _string(hash_name) + _string(digest)


def key_blob(raw: bytes) -> bytes:
    """The SSH wire form of an Ed25519 public key."""
    return _string(b"ssh-ed25519") + _string(raw)


def key_line(raw: bytes) -> str:
    """`ssh-ed25519 <base64>`: the public key as OpenSSH writes it."""
    return "ssh-ed25519 " + base64.b64encode(key_blob(raw)).decode()


def raw_of_key_line(line: str) -> bytes:
    """The 32 raw bytes of an `ssh-ed25519 AAAA… [comment]` line."""
    parts = line.split()
    if len(parts) < 2 or parts[0] != "ssh-ed25519":
        raise ValueError("not an ssh-ed25519 public key")
    try:
        blob = base64.b64decode(parts[1], validate=True)
        kind, at = _read_string(blob, 0)
        raw, at = _read_string(blob, at)
    except (ValueError, base64.binascii.Error) as exc:  # type: ignore[attr-defined]
        raise ValueError(f"not an ssh-ed25519 public key ({exc})") from None
    if kind != b"ssh-ed25519" or len(raw) != 32 or at != len(blob):
        raise ValueError("not an ssh-ed25519 public key")
    return raw


def sshsig(private_key: Any, message: bytes) -> bytes:
    """The SSHSIG blob of `message` (namespace mibtrack, sha512)."""
    from cryptography.hazmat.primitives import serialization

    raw = private_key.public_key().public_bytes(serialization.Encoding.Raw,
                                                serialization.PublicFormat.Raw)
    signature = private_key.sign(_signed_data(message))
    return (_MAGIC + struct.pack(">I", 1) + _string(key_blob(raw)) + _string(NAMESPACE)
            + _string(b"") + _string(b"sha512")
            + _string(_string(b"ssh-ed25519") + _string(signature)))


def armor(blob: bytes) -> str:
    """The armored form `ssh-keygen -Y sign` writes."""
    text = base64.b64encode(blob).decode()
    lines = [text[i:i + 70] for i in range(0, len(text), 70)]
    return "\n".join([_ARMOR_BEGIN, *lines, _ARMOR_END]) + "\n"


def unarmor(text: str) -> bytes:
    """The blob of an armored signature (`ssh-keygen -Y sign` output) or of bare base64."""
    body = text.strip()
    if body.startswith(_ARMOR_BEGIN):
        body = body[len(_ARMOR_BEGIN):].split(_ARMOR_END, 1)[0]
    return base64.b64decode("".join(body.split()), validate=True)


def verify_sshsig(blob: bytes, message: bytes) -> bytes:
    """Check an SSHSIG blob over `message`; return the signer's raw public key, or raise
    ValueError saying what is wrong."""
    if not blob.startswith(_MAGIC) or len(blob) < 10:
        raise ValueError("not an SSH signature")
    if struct.unpack(">I", blob[6:10])[0] != 1:
        raise ValueError("unknown SSH signature version")
    public, at = _read_string(blob, 10)
    namespace, at = _read_string(blob, at)
    _, at = _read_string(blob, at)
    hash_name, at = _read_string(blob, at)
    signature, at = _read_string(blob, at)
    if at != len(blob):
        raise ValueError("trailing bytes after the signature")
    if namespace != NAMESPACE:
        raise ValueError(f"signature for namespace {namespace.decode(errors='replace')!r}, "
                         "not 'mibtrack'")
    if hash_name not in (b"sha512", b"sha256"):
        raise ValueError("unknown hash in the signature")
    kind, k = _read_string(public, 0)
    raw, k = _read_string(public, k)
    sig_kind, s = _read_string(signature, 0)
    value, s = _read_string(signature, s)
    if kind != b"ssh-ed25519" or sig_kind != b"ssh-ed25519" or len(raw) != 32:
        raise ValueError("not an Ed25519 signature")
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(value, _signed_data(message, hash_name))
    except InvalidSignature:
        raise ValueError("bad signature (the entry's bytes are not what was signed)") from None
    return raw


# ------------------------------------------------------------------ keys
def default_key_path() -> Path:
    """Where `mibtrack keygen` writes by default: the user's config dir."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mibtrack" / "signing_key"


@dataclass(frozen=True)
class SigningKey:
    """A private Ed25519 key and where it came from."""

    path: Path
    key: Any

    @property
    def raw_public(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        raw: bytes = self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                        serialization.PublicFormat.Raw)
        return raw

    def public_line(self) -> str:
        return key_line(self.raw_public)

    def sign(self, message: bytes) -> str:
        """The `sig` text of a line: base64 of the SSHSIG blob (one line, no armor)."""
        return base64.b64encode(sshsig(self.key, message)).decode()


#: The passphrase of a protected signing key, for runs without a terminal (cron).
PASSPHRASE_ENV = "MIBTRACK_PASSPHRASE"
#: Asks for a passphrase (the CLI's prompt on a terminal); None: nobody to ask.
Ask = Callable[[str], str | None]


def load_key(path: Path, ask: Ask | None = None) -> SigningKey:
    """An OpenSSH ed25519 private key file (from `mibtrack keygen` or `ssh-keygen -t
    ed25519`). A key protected by a passphrase is opened with $MIBTRACK_PASSPHRASE, else
    with what `ask` returns (a prompt on a terminal), else refused (exit 2)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"signing key {path}: cannot be read ({exc.strerror})",
                         "give --key-file / MIBTRACK_SIGNING_KEY a readable key, or run "
                         "`mibtrack keygen`") from None
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_ssh_private_key

    try:
        key = load_ssh_private_key(data, password=None)
    except TypeError as exc:  # "Key is password-protected, but password was not provided."
        if "password" not in str(exc).lower():
            raise UsageError(f"signing key {path}: not an OpenSSH private key",
                             "give the private key file, not the .pub") from None
        key = _open_protected(path, data, ask)
    except ValueError:
        raise UsageError(f"signing key {path}: not an OpenSSH private key",
                         "give the private key file (`mibtrack keygen` makes one)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"signing key {path}: not an ed25519 key",
                         "mibtrack signs with Ed25519: `mibtrack keygen`, or "
                         "`ssh-keygen -t ed25519`")
    return SigningKey(path, key)


def _open_protected(path: Path, data: bytes, ask: Ask | None) -> Any:
    """A passphrase-protected key, opened with $MIBTRACK_PASSPHRASE or what `ask` gives."""
    from cryptography.hazmat.primitives.serialization import load_ssh_private_key

    passphrase = os.environ.get(PASSPHRASE_ENV)
    origin = PASSPHRASE_ENV
    if passphrase is None and ask is not None:
        passphrase, origin = ask(f"passphrase for {path}: "), "the passphrase given"
    if passphrase is None:
        raise UsageError(f"signing key {path}: it is protected by a passphrase and none was "
                         "given", f"run on a terminal to be asked, or set {PASSPHRASE_ENV} "
                         "(cron: see docs/cron.md)")
    try:
        return load_ssh_private_key(data, password=passphrase.encode("utf-8"))
    except ValueError:
        raise UsageError(f"signing key {path}: wrong passphrase ({origin})",
                         "give the passphrase the key was made with") from None
    except Exception as exc:  # bcrypt missing: cryptography needs it for protected keys
        raise UsageError(f"signing key {path}: cannot open a protected key ({exc})",
                         "install bcrypt (a mibtrack dependency)") from None


def find_key(explicit: str | None, ask: Ask | None = None) -> SigningKey | None:
    """--key-file, else $MIBTRACK_SIGNING_KEY, else the default key if there is one."""
    given = explicit or os.environ.get(KEY_ENV)
    if given:
        return load_key(Path(given).expanduser(), ask)
    path = default_key_path()
    return load_key(path, ask) if path.is_file() else None


def keygen(path: Path, comment: str, passphrase: str | None = None) -> SigningKey:
    """A new Ed25519 key: the private key (OpenSSH format, 0600, encrypted with
    `passphrase` when one is given) at `path`, the public key line at `path.pub`. Never
    overwrites."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    for target in (path, path.with_name(path.name + ".pub")):
        if target.exists():
            raise UsageError(f"{target} already exists", "keygen never overwrites a key; "
                             "give another path with --output")
    key = Ed25519PrivateKey.generate()
    protection: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")) if passphrase
        else serialization.NoEncryption())
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                protection)
    made = SigningKey(path, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, private)
            os.fsync(fd)
        finally:
            os.close(fd)
        path.with_name(path.name + ".pub").write_text(f"{made.public_line()} {comment}\n",
                                                      encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot be written ({exc.strerror})",
                         "give a writable path with --output") from None
    return made


# ------------------------------------------------------------------ authorised writers
def _moment_text(moment: dt.datetime) -> str:
    """OpenSSH's time form for valid-after/valid-before: YYYYMMDDHHMMSSZ (UTC)."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%d%H%M%SZ")


def _moment_of(text: str) -> dt.datetime:
    digits = text.strip('"').rstrip("Z")  # mibtrack writes UTC (Z); it reads all times as UTC
    form = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}.get(len(digits))
    if form is None or not digits.isdigit():
        raise ValueError(f"bad time {text!r}")
    moment = dt.datetime.strptime(digits, form)
    return moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Authorisation:
    """One line of ledger/writers: principals, key, validity window."""

    principals: str
    raw: bytes
    valid_after: dt.datetime | None = None
    valid_before: dt.datetime | None = None

    def line(self) -> str:
        options = ['namespaces="mibtrack"']
        if self.valid_after is not None:
            options.append(f'valid-after="{_moment_text(self.valid_after)}"')
        if self.valid_before is not None:
            options.append(f'valid-before="{_moment_text(self.valid_before)}"')
        return f"{self.principals} {','.join(options)} {key_line(self.raw)}"

    def names(self, writer: str) -> bool:
        return any(fnmatch.fnmatchcase(writer, pattern)
                   for pattern in self.principals.split(","))

    def valid_at(self, moment: dt.datetime) -> bool:
        return ((self.valid_after is None or self.valid_after <= moment)
                and (self.valid_before is None or moment < self.valid_before))


def render_writers(state: Iterable[Authorisation]) -> str:
    lines = ["# mibtrack authorised writers (git allowed_signers format). Do not edit: it is",
             "# rebuilt from signed `writers` entries by `mibtrack writers add|revoke`.",
             *(a.line() for a in state)]
    return "\n".join(lines) + "\n"


_OPTION = re.compile(r'([A-Za-z-]+)(?:="([^"]*)")?(?:,|$)')


def parse_writers(text: str, where: str) -> list[Authorisation]:
    """Read an allowed_signers file (as `ssh-keygen` would: principals, options, key)."""
    found = []
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        rest = parts[1] if len(parts) > 1 else ""
        after = before = None
        if not rest.startswith("ssh-"):
            options, _, rest = rest.partition(" ")
            for name, value in _OPTION.findall(options):
                try:
                    if name.lower() == "valid-after":
                        after = _moment_of(value)
                    elif name.lower() == "valid-before":
                        before = _moment_of(value)
                except ValueError as exc:
                    raise ProjectError(f"{where}:{number}: {exc}") from None
        try:
            raw = raw_of_key_line(rest)
        except ValueError as exc:
            raise ProjectError(f"{where}:{number}: {exc}") from None
        found.append(Authorisation(parts[0], raw, after, before))
    return found


def apply_change(state: list[Authorisation], change: Any) -> list[Authorisation]:
    """The writers list after one `writers` entry."""
    raw = raw_of_key_line(change.public_key)
    if change.action == "add":
        kept = [a for a in state if not (a.principals == change.principal and a.raw == raw)]
        return [*kept, Authorisation(change.principal, raw, change.valid_after,
                                     change.valid_before)]
    return [Authorisation(a.principals, a.raw, a.valid_after, change.valid_before)
            if a.principals == change.principal and a.raw == raw else a for a in state]


def authorised(state: list[Authorisation], raw: bytes, writer: str,
               moment: dt.datetime) -> str | None:
    """None when `raw` may sign for `writer` at `moment`; else what is wrong."""
    listed = [a for a in state if a.raw == raw]
    if not listed:
        return "signed by a key not in ledger/writers"
    mine = [a for a in listed if a.names(writer)]
    if not mine:
        others = ", ".join(sorted({a.principals for a in listed}))
        return f"signed by the key of {others}, not of the writer {writer!r}"
    if not any(a.valid_at(moment) for a in mine):
        window = "; ".join(a.line().split(" ")[1] for a in mine)
        return f"signed at {moment:%Y-%m-%dT%H:%M:%SZ}, outside the key's validity ({window})"
    return None


# ------------------------------------------------------------------ verify
@dataclass(frozen=True)
class SignatureProblem:
    path: Path
    line: int
    problem: str

    def describe(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"


@dataclass
class SignatureReport:
    """What the signature check found: the first problem of each feed (and of
    ledger/writers), notices that do not fail `verify`, and counts."""

    problems: dict[Path, SignatureProblem] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    signed: int = 0
    unsigned: int = 0
    state: list[Authorisation] = field(default_factory=list)


#: Who and when, in the canonical key order (writer ids and moments hold no quote).
_WHO_WHEN = re.compile(rb'^\{"v":1,"seq":\d+,"type":"[a-z]+","writer":"([^"\\]+)",'
                       rb'"recorded_at":"([^"\\]+)"')


@dataclass(frozen=True)
class _Signed:
    """What the authorisation check needs of a signed entry."""

    writer: str
    recorded_at: dt.datetime


def signatures_present(feeds: list[tuple[Path, int | None]]) -> bool:
    """Does any feed hold a signed line or a writers entry? (A byte search, no parsing; a
    slice at a time, the pages searched given back: a whole mapped feed searched at once
    stayed in this process's memory, 270 MB of `verify`'s peak at 1M entries.)"""
    import mmap

    from .scan import lacks

    for path, _ in feeds:
        try:
            with open(path, "rb") as handle:
                if os.fstat(handle.fileno()).st_size == 0:
                    continue
                st = os.fstat(handle.fileno())
                with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
                    if (not lacks(path, st, view, b'"sig":"')
                            or not lacks(path, st, view, b'"type":"writers"')):
                        return True
        except OSError:
            return True  # let the full check name the problem
    return False


def check_signatures(root: Path, feeds: list[tuple[Path, int | None]], required: bool,
                     proven: dict[Path, tuple[int, int]] | None = None,
                     marks: Any = None) -> SignatureReport:
    """Check every signature of every feed (of a feed whose chain is broken, the lines
    before the break: `(path, good lines)`; `None`: all), the writers entries and
    ledger/writers. `proven`: a feed's first bytes and lines (`(bytes, lines)`) checked
    before, under the same writers entries (the cache's proof): of those, only writers
    entries are read again (the authorisations are replayed from all of them). `marks`
    (`sigmark.SignatureMarks`): where the feeds found clean are noted, and what an earlier
    check proved (used only if the writers entries are still the ones it was made under;
    else every line is checked again).

    Linear: each line is looked at once; only signed lines are parsed and verified."""
    report, clean, writers, used = _check_signatures(root, feeds, required, proven, marks)
    if used and writers != marks.writers:  # the writers changed since: check every line
        report, clean, writers, _ = _check_signatures(root, feeds, required, proven, None)
    if marks is not None:
        marks.note(writers, {path: read for path, read in clean.items()
                             if path not in report.problems})
    return report


def _check_signatures(root: Path, feeds: list[tuple[Path, int | None]], required: bool,
                      proven: dict[Path, tuple[int, int]] | None, marks: Any
                      ) -> tuple[SignatureReport, dict[Path, tuple[bytes, int, int]], str,
                                 bool]:
    """`check_signatures`, and for the marks: each whole feed read with lines beyond what
    was proven (its bytes, the end of its last complete line, its lines), the digest of
    the writers entries, and whether a mark was used."""
    from .codec import decode, parse_fields, signed_part
    from .feed import split_lines, without_unfinished_batch

    report = SignatureReport()
    clean: dict[Path, tuple[bytes, int, int]] = {}
    used = False
    #: feed -> (its unsigned line numbers, its lines): judged once the seals are known
    unsigned: dict[Path, tuple[list[int], list[bytes]]] = {}
    signed: list[tuple[Path, int, Any, bytes]] = []  # path, line, entry, signer
    changes: list[tuple[Path, int, Any]] = []
    for path, good in feeds:
        try:
            data = without_unfinished_batch(path, path.read_bytes())
        except OSError:
            continue  # the chain check names it
        start, skip = (proven or {}).get(path, (0, 0))
        if not skip and marks is not None and good is None:
            start, skip = marks.proven(path, data) or (0, 0)
            used = used or skip > 0
        if skip and good is None and 0 < start <= len(data) and data[start - 1] == 10:
            # only the lines after the proven bytes, and the writers entries before them
            tail, _ = split_lines(data[start:])
            numbered: Iterable[tuple[int, bytes]] = [
                *_writers_lines(data, start, skip), *enumerate(tail, start=skip + 1)]
            count = skip + len(tail)
            lines: list[bytes] | None = None  # all of them, only if a seal must be read
        else:
            lines, _ = split_lines(data)
            lines = lines[:good] if good is not None else lines
            skip, count = 0, len(lines)
            numbered = enumerate(lines, start=1)
        if good is None and count > skip:
            clean[path] = (data, data.rfind(b"\n") + 1, count)
        if b'"sig":"' not in data and b'"type":"writers"' not in data:
            report.unsigned += count - skip
            if required and count > skip:
                unsigned[path] = (list(range(skip + 1, count + 1)),
                                  lines if lines is not None else split_lines(data)[0])
            continue
        for number, line in numbered:
            part = signed_part(line)
            if part is None:
                report.unsigned += 1
                if required:
                    if lines is None:
                        lines = split_lines(data)[0]
                    unsigned.setdefault(path, ([], lines))[0].append(number)
                if b'"type":"writers"' in line:
                    changes.append((path, number, decode(line, f"{path}:{number}")))
                continue
            report.signed += 1
            message, sig = part
            try:
                raw = verify_sshsig(base64.b64decode(sig), message)
            except ValueError as exc:
                report.problems.setdefault(path, SignatureProblem(path, number, str(exc)))
                continue
            entry: Entry | _Signed
            if b'"type":"writers"' in line:
                entry = decode(line, f"{path}:{number}")
                changes.append((path, number, entry))
            else:  # the chain check decoded it already: only who and when are needed here
                found = _WHO_WHEN.search(line)
                if found is not None:
                    who, when = found[1].decode(), found[2].decode()
                else:  # not in the canonical order
                    fields = parse_fields(line)
                    who, when = fields["writer"], fields["recorded_at"]
                entry = _Signed(who, dt.datetime.fromisoformat(when))
            signed.append((path, number, entry, raw))
    signer_of = {id(entry): raw for _, _, entry, raw in signed}
    changes.sort(key=lambda c: (c[2].recorded_at, c[2].writer, c[2].seq))
    state, refused = _replay(changes, signer_of)
    report.state = state
    where = {id(entry): (path, number) for path, number, entry in changes}
    for entry, why in refused:
        path, number = where[id(entry)]
        report.problems.setdefault(path, SignatureProblem(path, number, why))
    rejected = {id(entry) for entry, _ in refused}
    covered = _sealed([e for _, _, e in changes if id(e) not in rejected], unsigned)
    for path, (numbers, _) in unsigned.items():
        beyond = [n for n in numbers if n > covered.get(path, 0)]
        if beyond and (path not in report.problems or report.problems[path].line > beyond[0]):
            report.problems[path] = SignatureProblem(
                path, beyond[0], "unsigned entry (signatures are required)")
    for path, number, entry, raw in signed:
        wrong = authorised(state, raw, entry.writer, entry.recorded_at)
        if wrong is None:
            continue
        if required:
            if path not in report.problems or report.problems[path].line > number:
                report.problems[path] = SignatureProblem(path, number, wrong)
        elif len(report.notices) < 20:
            report.notices.append(f"{path}:{number}: {wrong} (signatures are optional: not a "
                                  "break)")
    _check_writers_file(root, state, bool(changes), report)
    writers = hashlib.sha256("\n".join(sorted(e.id for _, _, e in changes)).encode()
                             ).hexdigest()
    return report, clean, writers, used


def _writers_lines(data: bytes, stop: int, lines: int) -> list[tuple[int, bytes]]:
    """The writers entries among the first `lines` lines (`stop` bytes) of a feed, each
    with its line number: found by a byte search, the other lines never split."""
    found = []
    at = data.find(b'"type":"writers"', 0, stop)
    while at >= 0:
        begin = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        number = data.count(b"\n", 0, begin) + 1
        if number <= lines:
            found.append((number, data[begin:end]))
        at = data.find(b'"type":"writers"', end, stop)
    return found


_ID_AT_END = re.compile(rb'"id":"([0-9a-f]{64})"\}$')


def _sealed(changes: list[Any], unsigned: dict[Path, tuple[list[int], list[bytes]]]) -> \
        dict[Path, int]:
    """How many first lines of each feed the accepted writers entries' seals vouch for (a
    seal `writer:seq:id` counts only if line `seq` of that feed is the entry `id`)."""
    by_writer = {path.name[:-len(".jsonl")]: path for path in unsigned}
    covered: dict[Path, int] = {}
    for change in changes:
        for item in (change.sealed or "").split("\n") if change.sealed else ():
            writer, seq_text, entry_id = item.rsplit(":", 2)
            path, seq = by_writer.get(writer), int(seq_text)
            if path is None or seq <= covered.get(path, 0):
                continue
            lines = unsigned[path][1]
            found = _ID_AT_END.search(lines[seq - 1]) if seq <= len(lines) else None
            if found is not None and found[1].decode() == entry_id:
                covered[path] = seq
    return covered


def seal(feeds: list[Path]) -> str | None:
    """The `sealed` field of a writers entry made now: each feed's newest entry."""
    from .codec import parse_fields
    from .feed import split_lines

    items = []
    for path in feeds:
        try:
            lines, _ = split_lines(path.read_bytes())
        except OSError:
            continue
        if lines:
            fields = parse_fields(lines[-1])
            items.append(f"{fields['writer']}:{fields['seq']}:{fields['id']}")
    return "\n".join(items) or None


def _replay(changes: list[tuple[Path, int, Any]], signer_of: dict[int, bytes]) -> \
        tuple[list[Authorisation], list[tuple[Any, str]]]:
    state: list[Authorisation] = []
    refused: list[tuple[Any, str]] = []
    for _, _, entry in changes:
        signer = signer_of.get(id(entry))
        if signer is None:
            refused.append((entry, "an unsigned change to the writers"))
            continue
        if not state:
            if (entry.action != "add" or raw_of_key_line(entry.public_key) != signer
                    or not Authorisation(entry.principal, signer).names(entry.writer)):
                refused.append((entry, "the first writers entry must add the key that signs "
                                "it, for its own writer id"))
                continue
        else:
            why = authorised(state, signer, entry.writer, entry.recorded_at)
            if why is not None:
                refused.append((entry, f"a change to the writers {why}"))
                continue
        state = apply_change(state, entry)
    return state, refused


def _check_writers_file(root: Path, state: list[Authorisation], any_change: bool,
                        report: SignatureReport) -> None:
    path = root / WRITERS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = None
    except (OSError, UnicodeDecodeError):
        text = ""
    if text is None:
        if any_change:
            report.problems[path] = SignatureProblem(
                path, 0, "missing, but the ledger holds signed writers entries")
        return
    if text != render_writers(state):
        try:
            listed = parse_writers(text, str(path))
        except ProjectError:
            listed = None
        wanted = {a.line() for a in state}
        extra = [a.line() for a in listed or [] if a.line() not in wanted]
        what = (f"lists {extra[0].split(' ')[0]!r} with a key no signed writers entry added"
                if extra else "differs from the signed writers entries (edited by hand?)")
        report.problems[path] = SignatureProblem(path, 0, what)


def write_writers_file(root: Path, state: list[Authorisation]) -> Path:
    """Rebuild ledger/writers from the signed entries (written whole, then renamed)."""
    from ..safefile import write_atomic  # mkstemp, fsynced, renamed: never a planted name

    path = root / WRITERS_FILE
    write_atomic(path, render_writers(state).encode("utf-8"), follow=False, mode=0o644)
    return path
