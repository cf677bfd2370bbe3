"""Serve the application with granian, configured from settings.

Run as ``python -m {{ cookiecutter.package_name }}``.
"""

import logging

from granian import Granian
from granian.constants import Interfaces

from .settings import Settings


def main() -> None:
    settings = Settings()
    logging.basicConfig(level=settings.log_level)
    Granian(
        f"{__package__}.app:create_app",
        factory=True,
        interface=Interfaces.{{ cookiecutter.__granian_interface }},
        address=settings.host,
        port=settings.port,
        workers=settings.workers,
    ).serve()


if __name__ == "__main__":
    main()
