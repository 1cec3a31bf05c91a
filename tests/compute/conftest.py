"""Fixtures of the computation tests; the builders live in compute_factory.py."""

import pytest
from compute_factory import Ledger


@pytest.fixture
def ledger() -> Ledger:
    return Ledger()
