"""The worker and beat, as ``python -m <package> worker`` and ``python -m <package> beat``; the options that follow
are Celery's own (``worker --help``)."""

import importlib
import tempfile
import time
from pathlib import Path
from typing import Any

from celery import Celery, bootsteps

from ..core.logging import configure_logging
from ..core.metrics_files import served_metrics
from ..features import feature_modules
from ..settings import Settings
from .broker import create_celery

PACKAGE = (__package__ or "").rpartition(".")[0]
HEARTBEAT_SECONDS = 10.0
"""How often a worker that is connected to its broker touches its heartbeat file."""


class Heartbeat(bootsteps.StartStopStep):
    """Touches the heartbeat file while the worker's consumer runs: it stops when the broker connection is lost."""

    def __init__(self, parent: Any, **options: Any) -> None:
        super().__init__(parent, **options)
        self.path = Path(parent.app.conf.heartbeat_file)
        self.timer: Any = None

    def start(self, parent: Any) -> None:
        self.path.touch()
        self.timer = parent.timer.call_repeatedly(HEARTBEAT_SECONDS, self.path.touch)

    def stop(self, parent: Any) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.path.unlink(missing_ok=True)


def worker_celery(settings: Settings) -> Celery:
    """The Celery application of a worker: the API's, with the tasks and, if asked for, the heartbeat.

    It imports the application, and so every feature's tables, which the sweep cleans up, and the tasks; not at import
    time, so that ``worker-alive`` starts quickly and nothing imports prometheus-client before ``worker`` has prepared
    the metrics folder.
    """
    importlib.import_module(f"{PACKAGE}.app")
    from .runner import JobRunner

    celery = create_celery(settings)
    runner = JobRunner(settings)
    for tasks in feature_modules("tasks"):
        tasks.add_tasks(celery, runner)
    if settings.worker_heartbeat_file:
        celery.conf.heartbeat_file = settings.worker_heartbeat_file
        celery.steps["consumer"].add(Heartbeat)
    return celery


def worker(arguments: list[str]) -> int:
    """Run a worker, with its metrics on ``METRICS_PORT`` when that is set; SIGTERM lets the jobs it runs finish
    first.

    Without mingle and gossip: the jobs table, not the workers, knows each job's state, so a worker has nothing to
    learn from the others at start (which costs a second) or to hear from them while it runs.
    """
    settings = Settings()
    configure_logging(settings)
    options = [f"--loglevel={settings.log_level}", "--without-mingle", "--without-gossip"]
    # Before the application is imported, so that its job processes write their metrics where the worker sums them.
    with served_metrics(settings):
        worker_celery(settings).worker_main(["worker", *options, *arguments])
    return 0


def beat(arguments: list[str]) -> int:
    """Run beat, which sends the sweep; run exactly one beat.

    Its schedule file lives in a folder of its own, removed when it stops: the sweep is harmless to send again, so a
    restarted beat needs nothing from the last one, and two beats on one machine never share a file.
    """
    settings = Settings()
    configure_logging(settings)
    with tempfile.TemporaryDirectory(prefix="beat-") as folder:
        schedule = f"--schedule={Path(folder) / 'schedule'}"
        worker_celery(settings).start(["beat", f"--loglevel={settings.log_level}", schedule, *arguments])
    return 0


def worker_alive(arguments: list[str]) -> int:
    """Exit 0 when the worker touched its heartbeat file lately, for a container's liveness probe."""
    settings = Settings()
    if settings.worker_heartbeat_file is None:
        print("error: set worker_heartbeat_file to check a worker", flush=True)
        return 2
    try:
        age = time.time() - Path(settings.worker_heartbeat_file).stat().st_mtime
    except FileNotFoundError:
        return 1
    return 0 if age < 3 * HEARTBEAT_SECONDS else 1
