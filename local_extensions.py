"""Jinja filters that turn any answer into a safe TOML or Python string literal.

Cookiecutter puts the template directory on ``sys.path`` and loads this module
through ``_extensions`` in ``cookiecutter.json``.
"""

from __future__ import annotations

import unicodedata

from jinja2 import Environment
from jinja2.ext import Extension

# TOML basic strings must escape the quote, the backslash and every control
# character U+0000-U+001F and U+007F; the short forms are used where TOML has one.
_TOML_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_TOML_ESCAPES = {code: f"\\u{code:04X}" for code in [*range(0x20), 0x7F]} | {
    ord(char): escape for char, escape in _TOML_SHORT_ESCAPES.items()
}

_PY_SHORT_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
# Control characters, line and paragraph separators, and lone surrogates (which
# UTF-8 cannot encode) are escaped; every other character is kept readable.
_PY_ESCAPED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def toml_string(value: str) -> str:
    """Return ``value`` as a TOML basic string, quotes included."""
    return '"' + value.translate(_TOML_ESCAPES) + '"'


def py_string(value: str) -> str:
    """Return ``value`` as a Python string literal quoted the way ``ruff format`` quotes it.

    Like ruff, prefer double quotes unless the value holds more double quotes than apostrophes.
    """
    quote = "'" if value.count('"') > value.count("'") else '"'
    return quote + "".join(_py_escape(char, quote) for char in value) + quote


def _py_escape(char: str, quote: str) -> str:
    """Escape one character for a Python string literal delimited by ``quote``."""
    if char in _PY_SHORT_ESCAPES:
        return _PY_SHORT_ESCAPES[char]
    if char == quote:
        return "\\" + char
    if unicodedata.category(char) not in _PY_ESCAPED_CATEGORIES:
        return char
    code = ord(char)
    # Lower-case hex digits: ruff format normalises escapes to them.
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


class TomlStringExtension(Extension):
    """Register the ``toml_string`` and ``py_string`` filters."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["toml_string"] = toml_string
        environment.filters["py_string"] = py_string
