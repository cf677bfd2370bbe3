"""``python -m {{ cookiecutter.package_name }}``: serving is the default; a command that no feature adds is refused."""

import pytest

from {{ cookiecutter.package_name }}.__main__ import main


@pytest.mark.parametrize("arguments", [["nonsense"], ["serve", "--now"]])
def test_an_unknown_command_prints_the_usage_and_exits_2(
    arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(arguments) == 2

    assert capsys.readouterr().err.startswith("usage: python -m {{ cookiecutter.package_name }} [serve")
