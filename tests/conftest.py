"""Fixtures shared by the template's tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from .browsing import launched_chromium
from .toolchain import Environments

LONGEST_FIRST = (
    ("::test_bake_is_lint_clean", "celery"),
    ("test_add_job.py::test_the_example_job_can_be_deleted", ""),
    ("::test_bake_is_lint_clean", ""),
    ("test_add_job.py::", ""),
    ("test_add_resource.py::", ""),
)
"""The tests that run a bake's suite, longest first, by a part of their ids and a word of their answers: with jobs,
a whole suite runs real workers and takes three to seven minutes on a busy machine; the others, and the add-a-job
runs of a few test modules, take one to three."""


def expected_length(item: pytest.Item) -> int:
    """How far ahead an item runs: the longer it takes, the sooner it starts."""
    for rank, (module, word) in enumerate(LONGEST_FIRST):
        if module in item.nodeid and word in item.nodeid:
            return len(LONGEST_FIRST) + 1 - rank
    return 1 if item.get_closest_marker("slow") else 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the longest tests first: pytest-xdist hands them out one at a time in this order (``--maxschedchunk 1``),
    so that no long test starts last and keeps one worker busy while the other has nothing left."""
    items.sort(key=expected_length, reverse=True)


@pytest.fixture(scope="session")
def environments(tmp_path_factory: pytest.TempPathFactory) -> Environments:
    """Virtual environments reused by every bake of this test process; mypy caches shared with the run's other
    processes, in the folder above their own under pytest-xdist."""
    own = tmp_path_factory.getbasetemp()
    run = own.parent if os.environ.get("PYTEST_XDIST_WORKER") else own
    return Environments(tmp_path_factory.mktemp("environments"), run / "mypy-caches")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, headless, one per test module and process (``browsing.py``)."""
    with launched_chromium() as chromium:
        yield chromium
