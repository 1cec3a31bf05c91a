"""The one atomic writer (safefile.py) and the per-user secret (usersecret.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mibtrack import safefile, usersecret


def test_a_new_file_gets_0666_less_the_umask_and_no_temp_is_left(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        target = safefile.write_atomic(tmp_path / "out.txt", b"hello")
    finally:
        os.umask(old)
    assert target.read_bytes() == b"hello"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # 0o666 & ~0o027
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_symlinks_are_written_through_or_replaced_as_asked(tmp_path: Path) -> None:
    real, link = tmp_path / "real", tmp_path / "link"
    real.write_bytes(b"old")
    os.symlink(real, link)
    assert safefile.write_atomic(link, b"through") == real
    assert link.is_symlink() and real.read_bytes() == b"through"
    safefile.write_atomic(link, b"replaced", follow=False, mode=0o600)
    assert not link.is_symlink() and link.read_bytes() == b"replaced"
    assert real.read_bytes() == b"through"  # the old target untouched


def test_special_files_are_refused_untouched(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for target in (fifo, tmp_path):
        with pytest.raises(safefile.NotRegular):
            safefile.write_atomic(target, b"x")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo"]


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "out"
    target.write_bytes(b"old")

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        safefile.write_atomic(target, b"new")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_file_written_in_pieces_is_their_bytes_and_a_failing_piece_leaves_the_old(
        tmp_path: Path) -> None:
    target = tmp_path / "keyed.json"
    safefile.write_atomic(target, iter([b"[", b"1,2", b"]"]))
    assert target.read_bytes() == b"[1,2]"

    def failing():
        yield b"half"
        raise OSError("no room")

    with pytest.raises(OSError, match="no room"):
        safefile.write_atomic(target, failing())
    assert target.read_bytes() == b"[1,2]"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keyed.json"]


def test_the_key_is_private_and_a_readable_one_is_not_trusted(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MIBTRACK_CACHE_DIR", str(tmp_path / "cache"))
    mac = usersecret.tag(b"x")
    key = tmp_path / "cache" / "key"
    assert mac is not None and usersecret.tag_ok(mac, b"x") and not usersecret.tag_ok(mac, b"y")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "cache").stat().st_mode) == 0o700
    key.chmod(0o644)  # others could read it: nothing it signs can be trusted
    usersecret._cached_key.cache_clear()
    assert usersecret.key() is None and not usersecret.tag_ok(mac, b"x")
    usersecret._cached_key.cache_clear()


def test_tags_are_bound_to_their_parts() -> None:
    """Length-prefixed parts: ("ab", "c") and ("a", "bc") never share a tag."""
    assert usersecret.tag(b"ab", b"c") != usersecret.tag(b"a", b"bc")


def test_without_any_cache_folder_commands_still_work(cli, monkeypatch) -> None:
    """No MIBTRACK_CACHE_DIR, no XDG_CACHE_HOME, no home folder (some cron set-ups): no
    cache, no receipts, no chain marks — and the same figures."""
    import json

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    assert cli("record", "jobs", "40", "--date", "2025-03-31").code == 0
    monkeypatch.delenv("MIBTRACK_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert usersecret.key() is None
    assert cli("record", "jobs", "60", "--date", "2025-06-30").code == 0
    result = cli("--quiet", "status", "--json", "--as-of", "2025-07-01")
    assert result.code == 0 and result.err == ""
    assert json.loads(result.out)["objectives"][0]["actual"] == 60
