"""The accounts' commands: the first admin comes from here, never from a default password.

    python -m <package> create-admin ada@example.com

reads the password from the terminal, twice, or from standard input when that is not a terminal.
"""

import getpass
import sys
from collections.abc import Callable

from pydantic import ValidationError

from ..settings import Settings
from .schemas import Registration
from .service import make_admin

USAGE = "usage: create-admin EMAIL (the password is read from the terminal, or from standard input)"


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise ValueError("the two passwords differ")
    return password


def create_admin(arguments: list[str]) -> int:
    """Create an admin account, or make the existing account of this e-mail address an admin."""
    if len(arguments) != 1 or arguments[0].startswith("-"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        account = Registration(email=arguments[0], password=read_password())
    except (ValueError, ValidationError) as error:
        reasons = [detail["msg"] for detail in error.errors()] if isinstance(error, ValidationError) else [str(error)]
        print(f"error: {'; '.join(reasons)}", file=sys.stderr)
        return 2
    created = make_admin(Settings(), account.email, account.password)
    print(f"{account.email} {'is a new admin' if created else 'was an account already and is now an admin'}")
    return 0


COMMANDS: dict[str, Callable[[list[str]], int]] = {"create-admin": create_admin}
"""What the accounts add to ``python -m <package>``."""
