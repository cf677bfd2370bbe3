"""Serve a bench app with granian exactly as the generated ``serve.py`` does: same options, same log level.

Usage: ``python serve.py <module:attribute> <asgi|wsgi> <port> <workers> <threads> <log level> [factory]``.
"""

import logging
import sys

from granian import Granian
from granian.constants import Interfaces
from granian.log import LogLevels


def main() -> None:
    target, interface, port, workers, threads, log_level, *factory = sys.argv[1:]
    logging.basicConfig(level=log_level)
    # The generated serve.py passes its threads setting as runtime_threads (ASGI) or blocking_threads (WSGI),
    # leaving the other at granian's default.
    wsgi = interface == "wsgi"
    Granian(
        target,
        factory=factory == ["factory"],
        interface=Interfaces(interface),
        address="127.0.0.1",
        port=int(port),
        workers=int(workers),
        workers_kill_timeout=30,
        log_level=LogLevels(log_level.lower()),
        runtime_threads=1 if wsgi else int(threads),
        blocking_threads=int(threads) if wsgi else None,
    ).serve()


if __name__ == "__main__":
    main()
