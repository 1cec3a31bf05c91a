"""How far a feed's chain is known good, so that `record` need not re-check it all.

Before appending, `feed.append` checks the writer's own feed the way `verify` does (nothing
is chained onto an edited line). On a large feed that is seconds per record; so after each
append mibtrack notes, in the user's cache folder (`<cache>/projects/<id>/chains/<feed>`),
authenticated like the cache (usersecret.py), the feed's stat just after its fsync and how
many bytes and lines that check and the append covered. The next append, under the same
lock, checks only the lines after that mark when the feed's stat is still the one noted —
any write since, by anyone, changes its ctime, which only root or a clock set back can set
back (the residual, as for the cache's receipts: an edit in the same timestamp tick, a few
milliseconds, right after the append). Anything else — no mark, a mark that does not
authenticate, another stat — means the whole feed is checked, as before. A mark is an
optimisation: it is never required and never fails an append.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .safefile import stat_key

MARKS = "chains"


class ChainMarks:
    """The chain marks of one project's feeds."""

    def __init__(self, project_root: Path) -> None:
        self.root = project_root

    def _where(self, feed: Path) -> tuple[Path, bytes] | None:
        from .usersecret import project_folder, project_identity

        folder = project_folder(self.root)
        if folder is None:
            return None
        return folder / MARKS / f"{feed.name}.json", project_identity(self.root)

    def proven(self, feed: Path, st: os.stat_result) -> tuple[int, int] | None:
        """(bytes, lines) of `feed` known good, if its stat `st` is the one noted."""
        from .usersecret import tag_ok

        try:
            where = self._where(feed)
            if where is None:
                return None
            path, identity = where
            mac, _, body = path.read_bytes().partition(b"\n")
            if not tag_ok(mac, b"chain mark", identity, feed.name.encode(), body):
                return None
            mark = json.loads(body)
            if [int(x) for x in mark["stat"]] != stat_key(st):
                return None
            end, lines = int(mark["end"]), int(mark["lines"])
            return (end, lines) if 0 <= end <= st.st_size and lines >= 0 else None
        except Exception:
            return None

    def note(self, feed: Path, st: os.stat_result, lines: int) -> None:
        """After an append: the whole feed, `lines` lines, is known good at stat `st`."""
        from .safefile import write_atomic
        from .usersecret import tag

        try:
            where = self._where(feed)
            if where is None:
                return
            path, identity = where
            body = json.dumps({"stat": stat_key(st), "end": st.st_size, "lines": lines},
                              separators=(",", ":")).encode()
            mac = tag(b"chain mark", identity, feed.name.encode(), body)
            if mac is None:
                return
            path.parent.mkdir(mode=0o700, exist_ok=True)
            write_atomic(path, mac.encode() + b"\n" + body, follow=False, mode=0o600)
        except Exception:
            pass
