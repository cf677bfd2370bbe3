"""Every part's results, as the report reads them, and the one table format they are shown in."""

from dataclasses import dataclass, field

from .green import GreenTimes
from .io_bound import IOResult
from .rounds import LoadPlan, Paired
from .servers import Memory
from .startup import Startup
from .suite import SuiteTimes


@dataclass
class Results:
    quick: bool
    plan: LoadPlan
    machine: dict[str, str] = field(default_factory=dict)
    generation: dict[str, list[float]] | None = None
    green: list[GreenTimes] | None = None
    suite: list[SuiteTimes] | None = None
    comparisons: list[Paired] = field(default_factory=list)
    authenticated: list[Paired] = field(default_factory=list)
    metrics: list[Paired] = field(default_factory=list)
    rate_limits: list[Paired] = field(default_factory=list)
    rate_limits_callers: list[Paired] = field(default_factory=list)
    idempotency: list[Paired] = field(default_factory=list)
    pages: list[Paired] = field(default_factory=list)
    io: list[IOResult] = field(default_factory=list)
    memory: list[Memory] = field(default_factory=list)
    startups: list[Startup] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    duration_s: float = 0.0


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table, which also reads well as plain text."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"
        for row in (header, *rows)
    ]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return lines
