"""Serve a bench app as the generated ``serve.py`` of each server choice does: same options, same log level.

Usage: ``python serve.py <granian|uvicorn|gunicorn> <module:attribute> <asgi|wsgi> <port> <workers> <threads>
<log level> [factory]``.
"""

import importlib
import logging
import os
import sys


def serve_granian(
    target: str, interface: str, port: int, workers: int, threads: int, log_level: str, factory: bool
) -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    # The generated serve.py passes its threads setting as runtime_threads (ASGI) or blocking_threads (WSGI),
    # leaving the other at granian's default.
    wsgi = interface == "wsgi"
    Granian(
        target,
        factory=factory,
        interface=Interfaces(interface),
        address="127.0.0.1",
        port=port,
        workers=workers,
        workers_kill_timeout=30,
        log_level=LogLevels(log_level.lower()),
        runtime_threads=1 if wsgi else threads,
        blocking_threads=threads if wsgi else None,
    ).serve()


def serve_uvicorn(target: str, port: int, workers: int, log_level: str, factory: bool) -> None:
    # Imported by name: a Flask bake, in which this module is type-checked too, does not install uvicorn.
    uvicorn = importlib.import_module("uvicorn")
    uvicorn.run(
        target,
        factory=factory,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level=log_level.lower(),
        access_log=False,
    )


def serve_gunicorn(target: str, port: int, workers: int, threads: int, log_level: str, factory: bool) -> None:
    arguments = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--threads={threads}",
        f"--log-level={log_level.lower()}",
        f"{target}()" if factory else target,
    ]
    os.execv(sys.executable, arguments)


def main() -> None:
    server, target, interface, port, workers, threads, log_level, *factory = sys.argv[1:]
    logging.basicConfig(level=log_level)
    is_factory = factory == ["factory"]
    if server == "granian":
        serve_granian(target, interface, int(port), int(workers), int(threads), log_level, is_factory)
    elif server == "uvicorn":
        serve_uvicorn(target, int(port), int(workers), log_level, is_factory)
    else:
        serve_gunicorn(target, int(port), int(workers), int(threads), log_level, is_factory)


if __name__ == "__main__":
    main()
