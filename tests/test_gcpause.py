"""The cyclic collector is paused for a read's block, and left as the caller had it."""

from __future__ import annotations

import gc

from mibtrack.gcpause import paused


def test_the_collector_is_off_inside_and_on_again_after_even_when_the_block_fails() -> None:
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
        with paused():  # a read inside a read
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with paused():
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off() -> None:
    gc.disable()
    try:
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
