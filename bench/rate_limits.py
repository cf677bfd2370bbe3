"""What the rate limits cost: the item read of the generated app with its limits on (the default: every API request
counted, one upsert in the database) against the same app with ``RATE_LIMITS_ENABLED=false``, both served by their
production entry on the same database, alternating under wrk.

Every generated server of the harness runs with limits far above what wrk sends (``UNREACHED_LIMITS``): each request
is counted as in production, and none is refused, which wrk would take for an error.
"""

from pathlib import Path

from .common import progress
from .projects import Project
from .rounds import READ, LoadPlan, Paired, alternate, announce
from .servers import Server
from .throughput import paired_server, read_items

TARGET = 0.90
"""The least ratio of the limited item read to the unlimited one: the limits may cost at most 10% (issue 31)."""


def compare_rate_limits(limited: Server, project: Project, database_url: str, plan: LoadPlan, log_dir: Path) -> Paired:
    """The item read with rate limits on ``limited``, the project already serving at the plan's first log level
    (first), against the same project served without them (second), alternating in rounds."""
    framework, log_level = project.framework, plan.log_levels[0]
    comparison = Paired(framework, project.server, log_level, READ, TARGET)
    unlimited_settings = {project.env_name("rate_limits_enabled"): "false"}
    with paired_server(project, database_url, plan, log_dir, "unlimited", unlimited_settings) as off:
        progress(f"{framework} {READ.label} at {log_level}: with rate limits against without")
        alternate(
            [
                (lambda seconds: read_items(limited, plan, seconds), comparison.first),
                (lambda seconds: read_items(off, plan, seconds), comparison.second),
            ],
            plan,
        )
    announce(comparison)
    return comparison
