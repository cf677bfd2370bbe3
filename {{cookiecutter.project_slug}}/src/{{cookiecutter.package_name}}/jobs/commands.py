"""What the jobs add to ``python -m <package>``."""

from collections.abc import Callable

from .worker import beat, worker, worker_alive

COMMANDS: dict[str, Callable[[list[str]], int]] = {"worker": worker, "beat": beat, "worker-alive": worker_alive}
