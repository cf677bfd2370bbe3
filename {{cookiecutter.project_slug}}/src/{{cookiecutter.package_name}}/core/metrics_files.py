"""The folder where a server's worker processes keep their metrics, so that ``/metrics`` adds up all of them.

prometheus-client decides when it is imported whether each process writes its values to files in this folder, so
the server's main process prepares it before any worker starts, and before anything imports prometheus-client.
This module never imports prometheus-client for that reason (only ``served_metrics`` does, once the folder is set).
"""

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..settings import Settings

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus-client's own variable; a folder it names is used (and emptied) instead of a temporary one."""
PACKAGE = (__package__ or "").rpartition(".")[0]


@contextmanager
def metrics_folder() -> Iterator[Path]:
    """Give the processes started inside this block one empty folder for their metrics files, and remove it after,
    unless ``PROMETHEUS_MULTIPROC_DIR`` named it: then only the files of an earlier run are removed."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError(
            "prometheus_client was imported before the metrics folder was prepared: this process's metrics would "
            "stay in its memory. Import the application only once the folder is prepared."
        )
    given = os.environ.get(MULTIPROCESS_VARIABLE)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        yield folder
        return
    folder = Path(tempfile.mkdtemp(prefix=f"{PACKAGE}-metrics-"))
    os.environ[MULTIPROCESS_VARIABLE] = str(folder)
    try:
        yield folder
    finally:
        del os.environ[MULTIPROCESS_VARIABLE]
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def served_metrics(settings: Settings) -> Iterator[None]:
    """Prepare the metrics folder for a server started inside this block, and serve the metrics on their own port
    when the settings say so."""
    if not settings.metrics_enabled:
        yield
        return
    with metrics_folder():
        if settings.metrics_port is not None:
            from .metrics import serve_metrics  # Only now that the folder is set.

            serve_metrics(settings.host, settings.metrics_port)
        yield
