"""How far each feed's signatures are known good, so that reading commands need not verify
every Ed25519 signature again (signatures required: docs/bad-feeds.md).

Verifying a signature costs far more than reading its line (about 0.1 to 0.4 ms: a ledger of
100,000 signed entries takes half a minute). So after a full signature check found a feed
clean, mibtrack notes, in the user's cache folder (`<cache>/projects/<id>/signatures.json`,
authenticated like the cache: usersecret.py), for that feed the bytes and lines checked and
the SHA-256 of those bytes, and for the whole ledger the SHA-256 of its writers entries
(who may sign, when). The next check skips a feed's noted lines when its first bytes hash to
the noted digest (any changed byte is noticed: nothing is taken from a file's stat) and the
ledger's writers entries are still those noted: a new `writers` entry may change any
verdict, so then every line is verified again. Anything else — no file, one that does not
authenticate, a shorter feed — means a full check. A mark is an optimisation: never
required, never the cause of a failure (errors writing it are ignored).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

MARKS_FILE = "signatures.json"
_PURPOSE = b"signature marks"


class SignatureMarks:
    """The signature marks of one project's feeds (see the module docstring)."""

    def __init__(self, project_root: Path) -> None:
        self.root = project_root
        self._loaded: dict[str, Any] | None = None

    def _where(self) -> tuple[Path, bytes] | None:
        from .usersecret import project_folder, project_identity

        folder = project_folder(self.root)
        if folder is None:
            return None
        return folder / MARKS_FILE, project_identity(self.root)

    def _load(self) -> dict[str, Any]:
        if self._loaded is None:
            self._loaded = {"writers": None, "feeds": {}}
            try:
                from .usersecret import tag_ok

                where = self._where()
                if where is not None:
                    path, identity = where
                    mac, _, body = path.read_bytes().partition(b"\n")
                    if tag_ok(mac, _PURPOSE, identity, body):
                        data = json.loads(body)
                        feeds = {str(name): (int(end), int(lines), str(digest))
                                 for name, (end, lines, digest) in data["feeds"].items()}
                        self._loaded = {"writers": str(data["writers"]), "feeds": feeds}
            except Exception:
                pass
        return self._loaded

    @property
    def writers(self) -> str | None:
        """The digest of the writers entries the marks were made under."""
        writers = self._load()["writers"]
        return writers if isinstance(writers, str) else None

    def proven(self, feed: Path, data: bytes) -> tuple[int, int] | None:
        """(bytes, lines) of `data`, `feed`'s bytes, whose signatures were found good, if
        those bytes are the ones noted."""
        mark = self._load()["feeds"].get(feed.name)
        if mark is None:
            return None
        end, lines, digest = mark
        if not 0 < end <= len(data) or data[end - 1] != 10:
            return None
        if hashlib.sha256(memoryview(data)[:end]).hexdigest() != digest:
            return None
        return end, lines

    def note(self, writers: str, clean: dict[Path, tuple[bytes, int, int]]) -> None:
        """After a check: `clean` feeds (their bytes, the end of their last complete line,
        their line count) had every signature good under the writers entries `writers`."""
        from .safefile import write_atomic
        from .usersecret import tag

        try:
            where = self._where()
            if where is None:
                return
            path, identity = where
            loaded = self._load()
            feeds = dict(loaded["feeds"]) if loaded["writers"] == writers else {}
            changed = loaded["writers"] != writers
            for feed, (data, end, lines) in clean.items():
                if end == 0:
                    continue
                feeds[feed.name] = (end, lines,
                                    hashlib.sha256(memoryview(data)[:end]).hexdigest())
                changed = True
            if not changed:
                return
            body = json.dumps({"writers": writers, "feeds": feeds},
                              separators=(",", ":")).encode()
            mac = tag(_PURPOSE, identity, body)
            if mac is None:
                return
            write_atomic(path, mac.encode() + b"\n" + body, follow=False, mode=0o600)
            self._loaded = {"writers": writers, "feeds": feeds}
        except Exception:
            pass
