"""Shared fixtures. Real open data and the reference dataset are vendored under tests/data/."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT / "tests" / "data"


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return PROJECT / "data" / "demo"
