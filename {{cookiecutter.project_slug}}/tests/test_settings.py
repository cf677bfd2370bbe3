"""The settings are their own reference: ``python -m {{ cookiecutter.package_name }} settings`` prints them from their
fields, and ``.env.example`` lists every one with its default."""

import os
import re
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.__main__ import main
from {{ cookiecutter.package_name }}.settings import Settings

PREFIX = Settings.model_config.get("env_prefix", "")
ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def test_every_setting_says_what_it_does() -> None:
    assert [name for name, field in Settings.model_fields.items() if not field.description] == []


def test_the_settings_command_prints_every_setting(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["settings"]) == 0

    printed = re.findall(rf"^\| `{PREFIX}(\w+)` \| ", capsys.readouterr().out, re.MULTILINE)
    assert printed == [name.upper() for name in Settings.model_fields]


def test_env_example_lists_every_setting_with_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in os.environ:
        if name.startswith(PREFIX):
            monkeypatch.delenv(name)
    listed = re.findall(rf"^#? ?{PREFIX}(\w+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE)

    assert sorted(listed) == sorted(name.upper() for name in Settings.model_fields)
    from_example = Settings(_env_file=ENV_EXAMPLE).model_dump()
    assert from_example == Settings(_env_file=None).model_dump()
