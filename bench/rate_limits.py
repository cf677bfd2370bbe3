"""What the rate limits cost: the item read of the generated app with its limits on (the default: every API request
counted in the database) against the same app with ``RATE_LIMITS_ENABLED=false``, both served by their production
entry on the same database, alternating under wrk; first as one caller (wrk's one address), then as many callers
(each request from one of ``CALLERS`` addresses, which a trusted proxy forwards).

Every generated server of the harness runs with limits far above what wrk sends (``throughput.UNREACHED_LIMIT``):
each request is counted as in production, and none is refused, which wrk would take for an error. One caller is the
cheapest case, since a process reserves a caller's requests in leases (``web/rate_limits.py`` of the generated
project) and writes to the database once a lease; many callers that each send a few requests a window are the
dearest, one write for each caller's first request in each process.
"""

from collections.abc import Callable
from pathlib import Path

from .common import progress
from .load import Load, run_wrk
from .projects import Project
from .rounds import READ, LoadPlan, Paired, Route, alternate, announce
from .servers import Server
from .throughput import compare_read_without, paired_server

TARGET = 0.90
"""The least ratio of the limited item read to the unlimited one: the limits may cost at most 10% (issue 31)."""
CALLERS = 10_000
"""How many client addresses the many callers' read comes from."""
CALLERS_READ = Route("read-callers", f"{READ.label} from {CALLERS:,} callers", "read_item_callers.lua", TARGET)
TRUSTED_LOOPBACK = '["127.0.0.1/32"]'
"""wrk's address, as the trusted proxy whose X-Forwarded-For the limited server believes."""


def compare_rate_limits(limited: Server, project: Project, database_url: str, plan: LoadPlan, log_dir: Path) -> Paired:
    """The item read with rate limits on ``limited`` against the same project served without them."""
    return compare_read_without(limited, project, database_url, plan, log_dir, "rate_limits", TARGET)


def compare_many_callers(project: Project, database_url: str, plan: LoadPlan, log_dir: Path) -> Paired:
    """The item read from ``CALLERS`` addresses, with rate limits on a server that trusts wrk as a proxy, against
    the same reads served without rate limits."""
    framework, log_level = project.framework, plan.log_levels[0]
    comparison = Paired(framework, project.server, log_level, CALLERS_READ, TARGET)

    def reads(server: Server) -> Callable[[int], Load]:
        def load(seconds: int) -> Load:
            arguments = (str(plan.seeded_items), str(CALLERS))
            url = server.url("/")
            return run_wrk(
                url, CALLERS_READ.script, connections=plan.connections, seconds=seconds, script_arguments=arguments
            )

        return load

    trusting = {project.env_name("trusted_proxies"): TRUSTED_LOOPBACK}
    without = {project.env_name("rate_limits_enabled"): "false"}
    with (
        paired_server(project, database_url, plan, log_dir, "callers-limited", trusting) as limited,
        paired_server(project, database_url, plan, log_dir, "callers-unlimited", without) as unlimited,
    ):
        progress(f"{framework} {CALLERS_READ.label} at {log_level}: with rate limits against without")
        alternate([(reads(limited), comparison.first), (reads(unlimited), comparison.second)], plan)
    announce(comparison)
    return comparison
