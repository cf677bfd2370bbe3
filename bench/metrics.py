"""What the metrics cost: the item read of the generated app with its metrics on (the default) against the same app
with ``METRICS_ENABLED=false``, both served by their production entry on the same database, alternating under wrk."""

from pathlib import Path

from .common import progress
from .projects import Project
from .rounds import READ, LoadPlan, Paired, alternate, announce
from .servers import Server
from .throughput import paired_server, read_items

TARGET = 0.95
"""The least ratio of the measured item read to the unmeasured one: metrics may cost at most 5% (issue 13)."""


def compare_metrics(measured: Server, project: Project, database_url: str, plan: LoadPlan, log_dir: Path) -> Paired:
    """The item read with metrics on ``measured``, the project already serving at the plan's first log level (first),
    against the same project served without metrics (second), alternating in rounds."""
    framework, log_level = project.framework, plan.log_levels[0]
    comparison = Paired(framework, project.server, log_level, READ, TARGET)
    unmeasured_settings = {project.env_name("metrics_enabled"): "false"}
    with paired_server(project, database_url, plan, log_dir, "unmeasured", unmeasured_settings) as off:
        progress(f"{framework} {READ.label} at {log_level}: with metrics against without")
        alternate(
            [
                (lambda seconds: read_items(measured, plan, seconds), comparison.first),
                (lambda seconds: read_items(off, plan, seconds), comparison.second),
            ],
            plan,
        )
    announce(comparison)
    return comparison
