"""Fixtures shared by the template's tests."""

from __future__ import annotations

import os

import pytest

from .toolchain import Environments


@pytest.fixture(scope="session")
def environments(tmp_path_factory: pytest.TempPathFactory) -> Environments:
    """Virtual environments reused by every bake of this test process; mypy caches shared with the run's other
    processes, in the folder above their own under pytest-xdist."""
    own = tmp_path_factory.getbasetemp()
    run = own.parent if os.environ.get("PYTEST_XDIST_WORKER") else own
    return Environments(tmp_path_factory.mktemp("environments"), run / "mypy-caches")
