"""The user's own cache folder and per-user secret: what lets mibtrack trust its own notes.

Derived data (the incremental cache of daily actuals, append receipts) and batch journals
are authenticated with HMAC-SHA256 under a random 32-byte key that only this user can read:
`<cache>/key`, created 0600 on first use in `<cache>` (0700), where `<cache>` is
`$MIBTRACK_CACHE_DIR`, else `$XDG_CACHE_HOME/mibtrack`, else `~/.cache/mibtrack`. A file
that does not carry a valid tag under that key is ignored, whoever wrote it and wherever it
came from (a clone, a backup, another user). Nothing here ever fails a command: without a
usable key, `key()` is None and callers fall back to reading the feeds in full.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from functools import cache
from pathlib import Path

KEY_FILE = "key"
KEY_BYTES = 32
ENV = "MIBTRACK_CACHE_DIR"


def cache_root() -> Path:
    """`$MIBTRACK_CACHE_DIR`, else `$XDG_CACHE_HOME/mibtrack`, else `~/.cache/mibtrack`."""
    explicit = os.environ.get(ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "mibtrack"
    return Path.home() / ".cache" / "mibtrack"


def _own_folder(folder: Path) -> bool:
    """Create `folder` (0700) if needed; True when it is a real folder of ours that nobody
    else may write to (a folder another user can write to could swap our files)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(folder)
    except OSError:
        return False
    return (stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()
            and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _key_at(root: str) -> bytes | None:
    folder = Path(root)
    if not _own_folder(folder):
        return None
    path = folder / KEY_FILE
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    for _ in range(2):
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            try:  # first use: a fresh random key, readable by this user only
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                             | getattr(os, "O_NOFOLLOW", 0), 0o600)
            except FileExistsError:
                continue  # another process made it meanwhile: read theirs
            except OSError:
                return None
            try:
                os.write(fd, os.urandom(KEY_BYTES))
                os.fsync(fd)
            except OSError:
                os.close(fd)
                return None
            os.close(fd)
            continue
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if (not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid()
                    or st.st_mode & 0o077 or st.st_size != KEY_BYTES):
                return None  # not a key only we can read: trust nothing signed with it
            data = os.read(fd, KEY_BYTES + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        return data if len(data) == KEY_BYTES else None
    return None


@cache
def _cached_key(root: str) -> bytes | None:
    return _key_at(root)


def key() -> bytes | None:
    """The per-user secret, created on first use; None when it cannot be made or trusted
    (no home folder either, as under some cron set-ups: then nothing is cached)."""
    try:
        root = cache_root()
    except (RuntimeError, KeyError, OSError):
        return None
    return _cached_key(str(root))


def tag(*parts: bytes) -> str | None:
    """HMAC-SHA256 (hex) of `parts` (length-prefixed, so no two lists share a tag)."""
    secret = key()
    if secret is None:
        return None
    mac = hmac.new(secret, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.hexdigest()


def tag_ok(given: str | bytes, *parts: bytes) -> bool:
    """Does `given` authenticate `parts` under this user's key (constant-time)?"""
    expected = tag(*parts)
    if expected is None:
        return False
    if isinstance(given, bytes):
        try:
            given = given.decode("ascii")
        except UnicodeDecodeError:
            return False
    return hmac.compare_digest(expected, given)


def project_folder(project_root: Path) -> Path | None:
    """This project's folder in the user's cache, keyed by its resolved path and identity
    (device and inode of the folder: a new clone at the same path gets a new folder);
    created 0700. None when it cannot be made."""
    identity = project_identity(project_root)
    if not identity or key() is None:
        return None
    root = cache_root()  # key() found it: it can be determined
    if not _own_folder(root / "projects"):
        return None
    folder = root / "projects" / hashlib.sha256(identity).hexdigest()[:32]
    return folder if _own_folder(folder) else None


def project_identity(project_root: Path) -> bytes:
    """What a project's cached files are bound to (part of every tag)."""
    try:
        resolved = project_root.resolve()
        st = os.stat(resolved)
    except OSError:
        return b""
    return f"{resolved}\0{st.st_dev}\0{st.st_ino}".encode("utf-8", "surrogateescape")
