"""Serve the application with the production server, configured from settings, or run a command of a feature.

Run as ``python -m {{ cookiecutter.package_name }}`` to serve; a command follows the package's name (``settings``
prints every setting).
"""

import logging
import sys
from collections.abc import Callable

from .features import feature_modules
from .serve import serve
from .settings import Settings, reference


def commands() -> dict[str, Callable[[list[str]], int]]:
    """Every feature's commands, by name. They are imported only to run a command: serving needs none of them, and
    importing them costs the server's start."""
    found: dict[str, Callable[[list[str]], int]] = {}
    for module in feature_modules("commands"):
        found.update(module.COMMANDS)
    return found


def main(arguments: list[str]) -> int:
    command, *rest = arguments or ["serve"]
    if command == "serve" and not rest:
        settings = Settings()
        logging.basicConfig(level=settings.log_level)
        serve(settings)
        return 0
    if command == "settings" and not rest:
        print(reference())
        return 0
    available = commands()
    if command in available:
        return available[command](rest)
    print(f"usage: python -m {__package__} [{' | '.join(['serve', 'settings', *available])}] ...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
