"""Baking a project and building its environment with uv, timed."""

import sys
from dataclasses import dataclass
from pathlib import Path

from .common import REPO_DIR, SERVERS, clean_env, run, tool


@dataclass(frozen=True)
class Project:
    framework: str
    path: Path
    package: str
    server: str = "granian"
    """What ``python -m <package>`` serves it with: granian, or the framework's classic server (uvicorn, gunicorn)."""

    @property
    def python(self) -> Path:
        return self.path / ".venv" / "bin" / "python"

    def env_name(self, setting: str) -> str:
        """The environment variable of one of the generated settings, e.g. ``BENCH_FASTAPI_PORT``."""
        return f"{self.package.upper()}_{setting.upper()}"


def bake(framework: str, output_dir: Path, **answers: str) -> tuple[Project, float]:
    """Generate a project with cookiecutter's command line, as a user does; return it and the wall time."""
    name = f"bench {framework}"
    slug = name.replace(" ", "-")
    arguments = [f"{key}={value}" for key, value in {"framework": framework, **answers}.items()]
    command: list[str | Path] = [sys.executable, "-m", "cookiecutter", "--no-input", "-f", "-o", output_dir, REPO_DIR]
    elapsed = run([*command, f"project_name={name}", *arguments], cwd=REPO_DIR)
    server = SERVERS[framework][answers.get("server") == "classic"]
    return Project(framework, output_dir / slug, slug.replace("-", "_"), server), elapsed


def uv_env(cache_dir: Path | None) -> dict[str, str]:
    """The environment for uv: the given cache directory, or the user's own cache."""
    return clean_env({"UV_CACHE_DIR": str(cache_dir)} if cache_dir else {})


def sync(project: Project, cache_dir: Path | None = None, *, dev: bool = True, compile_bytecode: bool = True) -> float:
    """Create the project's virtual environment from its ``pyproject.toml`` with uv; return the wall time. Without
    ``dev``, only what serving the project needs: less than half the time, for a bake that is only served. Without
    ``compile_bytecode``, uv does not compile every installed package, as the generated project asks it to (most of a
    sync's time from a warm cache); its processes compile what they import, once, if they may write bytecode."""
    command = [
        tool("uv"),
        "sync",
        "--quiet",
        *([] if dev else ["--no-dev"]),
        *([] if compile_bytecode else ["--no-compile-bytecode"]),
    ]
    return run(command, cwd=project.path, env=uv_env(cache_dir))


def run_tests(project: Project, cache_dir: Path | None, pytest_arguments: list[str]) -> float:
    """Run the generated test suite in the project's environment; return the wall time."""
    command = [tool("uv"), "run", "pytest", "-q", "-p", "no:cacheprovider", *pytest_arguments]
    return run(command, cwd=project.path, env=uv_env(cache_dir))
