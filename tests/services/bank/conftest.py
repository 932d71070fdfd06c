"""Reading the sample bank files of tests/data/bank."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "bank"

#: The account all the sample statements are for (BNP Paribas, RIB 30004 00828 00010123456 91).
OUR_IBAN = "FR7630004008280001012345691"


@pytest.fixture
def sample():
    """The bytes of a sample file."""
    return lambda name: (DATA / name).read_bytes()
