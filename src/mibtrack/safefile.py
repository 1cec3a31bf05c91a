"""The one way mibtrack writes a whole file (`--output`, exports, the cache): atomically.

- The bytes go to a fresh temporary file made by `mkstemp` in the target's folder (never a
  predictable name another user could plant a symlink at), are fsynced, and the temporary
  file is renamed over the target; the folder is fsynced. A reader sees the old file or the
  new one, never half.
- A target that exists and is not a regular file (a device such as /dev/full, a FIFO, a
  socket, a folder) is refused: `NotRegular`, and nothing is written.
- A target that is a symbolic link is written through: the link stays, the file it points
  to is replaced (`follow=True`, for `--output`); with `follow=False` (the cache, whose
  folder is ours) the link itself is replaced and its target is never touched.
- An existing file keeps its permission bits (a 0600 report stays 0600); a new one gets the
  usual 0666 less the umask.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path


class NotRegular(OSError):
    """The target exists and is not a regular file: it is never replaced."""


def stat_key(st: os.stat_result) -> list[int]:
    """What identifies a file's state: device, inode, size, mtime and ctime (ns). Any write
    changes ctime, which no user tool can set back."""
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def resolve_target(path: Path, follow: bool = True) -> Path:
    """The file that will be replaced: through symbolic links when `follow`."""
    if follow and path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def write_atomic(path: Path, data: bytes | Iterable[bytes], *, follow: bool = True,
                 mode: int | None = None) -> Path:
    """Write `data` (bytes, or pieces of them: a big file need not be held whole) to `path`
    as described above; return the file actually replaced. Raises `NotRegular` for a
    special file, OSError for the rest (nothing left behind)."""
    target = resolve_target(Path(path), follow)
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not (stat.S_ISREG(st.st_mode)
                               or (stat.S_ISLNK(st.st_mode) and not follow)):
        raise NotRegular(0, "not a regular file (a device, FIFO, socket or folder) — "
                            "it is never replaced", str(target))
    if mode is None:
        mode = stat.S_IMODE(st.st_mode) if st is not None and stat.S_ISREG(st.st_mode) \
            else 0o666 & ~_umask()
    folder = target.parent
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        try:
            for piece in [data] if isinstance(data, bytes) else data:
                view, written = memoryview(piece), 0
                while written < len(piece):
                    written += os.write(fd, view[written:])
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass  # the file is in place; some filesystems cannot fsync a folder
    return target
