"""Serve the application with the production server, configured from settings.

Run as ``python -m {{ cookiecutter.package_name }}``.
"""

import logging

from .serve import serve
from .settings import Settings


def main() -> None:
    settings = Settings()
    logging.basicConfig(level=settings.log_level)
    serve(settings)


if __name__ == "__main__":
    main()
