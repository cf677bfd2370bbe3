"""Fixtures shared by the template's tests."""

from __future__ import annotations

import pytest

from .toolchain import Environments


@pytest.fixture(scope="session")
def environments(tmp_path_factory: pytest.TempPathFactory) -> Environments:
    """Virtual environments reused by every bake of this test process."""
    return Environments(tmp_path_factory.mktemp("environments"))
