"""What the metrics cost: the item read of the generated app with its metrics on (the default) against the same app
with ``METRICS_ENABLED=false``, both served by their production entry on the same database, alternating under wrk."""

from pathlib import Path

from .projects import Project
from .rounds import LoadPlan, Paired
from .servers import Server
from .throughput import compare_read_without

TARGET = 0.95
"""The least ratio of the measured item read to the unmeasured one: metrics may cost at most 5% (issue 13)."""


def compare_metrics(measured: Server, project: Project, database_url: str, plan: LoadPlan, log_dir: Path) -> Paired:
    """The item read with metrics on ``measured`` against the same project served without them."""
    return compare_read_without(measured, project, database_url, plan, log_dir, "metrics", TARGET)
