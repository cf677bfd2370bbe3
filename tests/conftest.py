"""Fixtures shared by the template's tests."""

from __future__ import annotations

import os

import pytest

from .toolchain import Environments


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one test process more than the cores this process may run on. A bake's checks spend about a fifth
    of their time waiting (on servers that start, on brokers, on a job's timeouts) with a core idle, which the extra
    process fills."""
    return len(os.sched_getaffinity(0)) + 1


@pytest.fixture(scope="session")
def environments(tmp_path_factory: pytest.TempPathFactory) -> Environments:
    """Virtual environments reused by every bake of this test process."""
    return Environments(tmp_path_factory.mktemp("environments"))
