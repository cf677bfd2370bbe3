"""Reading the commands that a README gives, and running them as a user's shell would."""

from __future__ import annotations

import os
import re
from pathlib import Path

from uv import find_uv_bin

SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


def section(readme: Path, heading: str) -> str:
    """The text of a README's section with this ``##`` heading, up to the next one."""
    return readme.read_text(encoding="utf-8").split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def section_commands(readme: Path, heading: str) -> list[str]:
    """The shell blocks of a README's section, in order."""
    return [block.strip() for block in SH_BLOCK.findall(section(readme, heading))]


def quick_start_commands(readme: Path) -> list[str]:
    """The shell commands of a README's "Quick start" section, in order."""
    return section_commands(readme, "Quick start")


def clean_env() -> dict[str, str]:
    """This environment as a user's shell would be: without the template's own virtual environment, with uv on
    PATH, and with Python writing bytecode as it does by default (the project's CI machines set
    PYTHONDONTWRITEBYTECODE, under which every process of a generated suite would compile the project's modules
    again: about 3.5 s of a default bake's run)."""
    unset = {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONDONTWRITEBYTECODE"}
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env["PATH"] = os.pathsep.join([os.path.dirname(find_uv_bin()), env.get("PATH", "")])
    return env
