"""What an Idempotency-Key costs: the item create of the generated app with a new key on every POST against the
same create without one, on the same server, alternating under wrk."""

import psycopg

from .common import progress
from .database import trim_items
from .load import Load, run_wrk
from .rounds import CREATE, LoadPlan, Paired, alternate, announce
from .servers import Server
from .throughput import TAGS, loader

TARGET = 0.90
"""The least ratio of the keyed create to the plain one: a key may cost at most 10% (issue 31)."""
KEYED_SCRIPT = "create_item_keyed.lua"


def compare_idempotency(generated: Server, framework: str, server: str, database_url: str, plan: LoadPlan) -> Paired:
    """The create with an Idempotency-Key (first) against the create without (second), on the one running server;
    the created items and the stored keys are deleted after."""
    log_level = plan.log_levels[0]
    comparison = Paired(framework, server, log_level, CREATE, TARGET)
    progress(f"{framework} {CREATE.label} at {log_level}: with an Idempotency-Key against without")

    def keyed(seconds: int) -> Load:
        return run_wrk(
            generated.url("/"),
            KEYED_SCRIPT,
            connections=plan.connections,
            seconds=seconds,
            script_arguments=(f"keyed{next(TAGS)}",),
        )

    alternate([(keyed, comparison.first), (loader(generated, CREATE, plan), comparison.second)], plan)
    announce(comparison)
    trim_items(database_url, plan.seeded_items)
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("DELETE FROM idempotency_keys")
    return comparison
