"""Python's cyclic garbage collector paused while a read builds many objects.

A cold read of merged clones builds hundreds of thousands of small objects that hold no
cycles (every keyed copy, its content, its place; the rules resolved from them), and each
of the collector's full passes walks all of them again: a third of a cold `status` at
100k repeated keys (`bench/run.py --clones`). Reference counting still frees every one of
them; the collector runs again when the read is done."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The block runs with the cyclic collector off (as it was, if already off)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
