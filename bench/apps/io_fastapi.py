"""The generated FastAPI app plus one bench-only route that waits 20 ms on I/O, as a call to another service would.

``BENCH_PACKAGE`` names the generated package; served as ``io_fastapi:create_app`` (a factory).
"""

import asyncio
import importlib
import os

from fastapi import FastAPI

IO_WAIT_SECONDS = 0.02


def create_app() -> FastAPI:
    app: FastAPI = importlib.import_module(f"{os.environ['BENCH_PACKAGE']}.app").create_app()

    async def io_wait() -> dict[str, str]:
        await asyncio.sleep(IO_WAIT_SECONDS)
        return {"status": "ok"}

    app.add_api_route("/bench/io", io_wait, methods=["GET"])
    return app
