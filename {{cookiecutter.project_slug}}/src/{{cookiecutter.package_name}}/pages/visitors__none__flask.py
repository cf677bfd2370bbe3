"""Who opens the pages: anyone, as the one principal of the open API."""

from ..auth.guard import current_principal, guarded_blueprint

__all__ = ["current_principal", "guarded_blueprint"]
