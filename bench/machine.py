"""What the figures were measured on: CPUs, load, Python, and the versions of everything in the path."""

import os
import platform
import subprocess
from pathlib import Path

from .common import output_of, tool
from .database import server_version
from .projects import Project

PACKAGES = {
    "fastapi": ("fastapi", "starlette", "pydantic", "sqlalchemy", "asyncpg", "granian"),
    "flask": ("flask", "werkzeug", "flask-openapi", "pydantic", "sqlalchemy", "psycopg", "granian"),
}


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def describe(projects: dict[str, Project]) -> dict[str, str]:
    """One line per fact, in the order the report shows them."""
    facts = {
        "CPUs": f"{os.cpu_count()} x {cpu_model()}",
        "Load average at start (1, 5, 15 min)": ", ".join(f"{value:.2f}" for value in os.getloadavg()),
        "OS": platform.platform(),
        "wrk": output_of([tool("wrk"), "-v"]).splitlines()[0].split(" Copyright")[0],
        "uv": output_of([tool("uv"), "--version"]),
        "PostgreSQL": server_version(),
    }
    for framework, project in projects.items():
        script = (
            "import importlib.metadata as m, platform; print(platform.python_version(), "
            f"*(p + ' ' + m.version(p) for p in {PACKAGES[framework]!r}), sep=', ')"
        )
        completed = subprocess.run([project.python, "-c", script], capture_output=True, text=True, check=True)
        facts[f"{framework} bake"] = "Python " + completed.stdout.strip()
    return facts
