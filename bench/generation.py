"""Generation time: the template's bakes side by side with a minimal cookiecutter template, in the same run.

Most of a bake is cookiecutter's own: starting Python, importing cookiecutter (Jinja, rich, arrow, requests ...) and
creating its Jinja environment. ``minimal_template/`` (one prompt, one rendered file) pays exactly that, so the ratio
of the template's bake to it is what the template adds, and it stays readable when other work shares the machine.
"""

import sys
from pathlib import Path

from .common import BENCH_DIR, REPO_DIR, clean_env, progress, run

MINIMAL_TEMPLATE = BENCH_DIR / "minimal_template"
TARGET_S = 0.45
"""The default bake's median wall time that issue 14 asks for."""
DEFAULT = "fastapi"
BAKES: dict[str, tuple[Path, tuple[str, ...]]] = {
    "minimal": (MINIMAL_TEMPLATE, ()),
    DEFAULT: (REPO_DIR, ()),
    "flask": (REPO_DIR, ("framework=flask",)),
}
"""Each bake timed: its template and its answers (the template's defaults, apart from these)."""


def bake_time(template: Path, answers: tuple[str, ...], output_dir: Path) -> float:
    """One ``cookiecutter --no-input`` on the command line, as a user runs it; its wall time.

    Python may write bytecode (whatever ``PYTHONDONTWRITEBYTECODE`` says here), so that the warm-up leaves cookiecutter
    compiled, as it is on a user's machine after the first bake: without it, every bake would compile cookiecutter's
    modules from source again, which takes longer than all the rest of a bake.
    """
    env = {key: value for key, value in clean_env().items() if key != "PYTHONDONTWRITEBYTECODE"}
    command: list[str | Path] = [sys.executable, "-m", "cookiecutter", "--no-input", "-o", output_dir, template]
    return run([*command, *answers], cwd=REPO_DIR, env=env)


def measure_generation(work_dir: Path, runs: int) -> dict[str, list[float]]:
    """Wall times of ``runs`` rounds that take every bake of ``BAKES`` in turn, after one warm-up round.

    The bake that goes first rotates from round to round, so that none always runs right after another; the ``i``-th
    time of each bake comes from the same round, for ratios of the same moment.
    """
    progress(f"generation: {', '.join(BAKES)} against each other, 1 warm-up round and {runs} timed rounds")
    times: dict[str, list[float]] = {name: [] for name in BAKES}
    names = list(BAKES)
    for index in range(runs + 1):
        for name in names[index % len(names) :] + names[: index % len(names)]:
            template, answers = BAKES[name]
            elapsed = bake_time(template, answers, work_dir / f"{name}-{index}")
            if index:
                times[name].append(elapsed)
    return times


def ratios(times: dict[str, list[float]], name: str) -> list[float]:
    """Each round's bake of ``name`` over the minimal template's bake in the same round."""
    return [bake / minimal for bake, minimal in zip(times[name], times["minimal"], strict=True)]
