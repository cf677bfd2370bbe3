"""The service's name, description and version, as the API documents them."""

from importlib.metadata import version

TITLE = {{ cookiecutter.project_name | py_string }}
DESCRIPTION = {{ cookiecutter.description | py_string }}
__version__ = version({{ cookiecutter.project_slug | py_string }})
