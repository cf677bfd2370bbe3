"""An open API adds no commands of its own."""

from collections.abc import Callable

COMMANDS: dict[str, Callable[[list[str]], int]] = {}
