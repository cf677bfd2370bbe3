"""What the rate limits cost: the item read of the generated app with its limits on (the default: every API request
counted, one upsert in the database) against the same app with ``RATE_LIMITS_ENABLED=false``, both served by their
production entry on the same database, alternating under wrk.

Every generated server of the harness runs with limits far above what wrk sends (``throughput.UNREACHED_LIMIT``):
each request is counted as in production, and none is refused, which wrk would take for an error.
"""

from pathlib import Path

from .projects import Project
from .rounds import LoadPlan, Paired
from .servers import Server
from .throughput import compare_read_without

TARGET = 0.90
"""The least ratio of the limited item read to the unlimited one: the limits may cost at most 10% (issue 31)."""


def compare_rate_limits(limited: Server, project: Project, database_url: str, plan: LoadPlan, log_dir: Path) -> Paired:
    """The item read with rate limits on ``limited`` against the same project served without them."""
    return compare_read_without(limited, project, database_url, plan, log_dir, "rate_limits", TARGET)
