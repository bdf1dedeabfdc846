"""Shared fixtures. Real open data and the reference dataset are read from ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared not found next to the project ({SHARED}); CI provides it.")
    return SHARED


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return PROJECT / "data" / "demo"
