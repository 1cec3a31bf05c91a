"""A child process that appends to a feed through the library, for the concurrency and
kill -9 suites. It prints `READY`, then each acknowledged entry's id (flushed) after
`append` returned, so the parent knows exactly what was acknowledged.

    worker.py ROOT WRITER COUNT [--nolock] [--pause before-write|mid-write|before-fsync]
              [--note-bytes N] [--tag T] [--key K]

--nolock   monkeypatches flock away in this child only (the negative control) and widens
           the read-tail-then-write window so that the race shows reliably;
--key K    signs every entry with the private key K (the signed variants);
--pause P  stops forever at a named point of the COUNT-th append (prints `PAUSE`) so the
           parent can kill -9 it exactly there: before the write, after half of a line
           larger than a page was written, or between the write and the fsync.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path


def _stop() -> None:
    print("PAUSE", flush=True)
    while True:
        time.sleep(60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("writer")
    parser.add_argument("count", type=int)
    parser.add_argument("--nolock", action="store_true")
    parser.add_argument("--pause")
    parser.add_argument("--note-bytes", type=int, default=0)
    parser.add_argument("--tag", default=str(os.getpid()))
    parser.add_argument("--key", help="sign every entry with this private key")
    args = parser.parse_args()

    from mibtrack.errors import MibtrackError
    from mibtrack.ledger import Ledger, draft, feed

    if args.nolock:
        class _NoFlock:
            LOCK_EX = 0

            @staticmethod
            def flock(fd: int, op: int) -> None:
                return None

        real_tail = feed._tail

        def slow_tail(fd: int, size: int):  # noqa: ANN202
            found = real_tail(fd, size)
            time.sleep(0.002)
            return found

        feed.fcntl = _NoFlock  # type: ignore[assignment]
        feed._tail = slow_tail  # type: ignore[assignment]

    ledger = Ledger(Path(args.root) / "ledger")
    if args.key:
        from mibtrack.ledger.signing import load_key

        key = load_key(Path(args.key))
        ledger.signer = lambda: key.sign
    armed = [False]
    if args.pause:
        real_write, real_fsync = os.write, os.fsync

        def write(fd: int, data: bytes) -> int:
            if armed[0] and args.pause == "before-write":
                _stop()
            if armed[0] and args.pause == "mid-write":
                real_write(fd, bytes(data[: len(data) // 2]))
                _stop()
            return real_write(fd, data)

        def fsync(fd: int) -> None:
            if armed[0] and args.pause == "before-fsync":
                _stop()
            return real_fsync(fd)

        os.write, os.fsync = write, fsync  # type: ignore[assignment]

    print("READY", flush=True)
    note_pad = "n" * args.note_bytes
    for i in range(1, args.count + 1):
        armed[0] = args.pause is not None and i == args.count
        entry = draft("observation", as_of=dt.date(2025, 1, 1), metric="jobs", value=Decimal(i),
                      note=f"{args.tag}:{i}{(' ' + note_pad) if note_pad else ''}")
        try:
            (result,) = ledger.append(args.writer, [entry])
        except MibtrackError as exc:
            if not args.nolock:
                raise
            print(f"REFUSED {exc.message}", file=sys.stderr, flush=True)
            continue
        sys.stdout.write(result.entry.id + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
