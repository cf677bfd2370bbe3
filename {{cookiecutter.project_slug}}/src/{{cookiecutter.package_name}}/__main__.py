"""Serve the application with the production server, configured from settings, or run a command of a feature.

Run as ``python -m {{ cookiecutter.package_name }}`` to serve; a command follows the package's name.
"""

import logging
import sys

from .auth.commands import COMMANDS as IDENTITY_COMMANDS
{%- if cookiecutter.jobs == "celery" %}
from .jobs.commands import COMMANDS as JOB_COMMANDS
{%- endif %}
from .serve import serve
from .settings import Settings

COMMANDS = {**IDENTITY_COMMANDS{{ ", **JOB_COMMANDS" if cookiecutter.jobs == "celery" }}}
"""Every feature's commands: adding a feature with commands adds them here."""


def main(arguments: list[str]) -> int:
    command, *rest = arguments or ["serve"]
    if command in COMMANDS:
        return COMMANDS[command](rest)
    if command != "serve" or rest:
        print(f"usage: python -m {__package__} [{' | '.join(['serve', *COMMANDS])}] ...", file=sys.stderr)
        return 2
    settings = Settings()
    logging.basicConfig(level=settings.log_level)
    serve(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
