"""The generated Flask app plus one bench-only route that waits 20 ms on I/O, as a call to another service would.

``BENCH_PACKAGE`` names the generated package; served as ``io_flask:create_app`` (a factory).
"""

import importlib
import os
import time

from flask import Flask

IO_WAIT_SECONDS = 0.02


def create_app() -> Flask:
    app: Flask = importlib.import_module(f"{os.environ['BENCH_PACKAGE']}.app").create_app()

    def io_wait() -> dict[str, str]:
        time.sleep(IO_WAIT_SECONDS)
        return {"status": "ok"}

    app.add_url_rule("/bench/io", view_func=io_wait)
    return app
