"""Who opens the pages: anyone, as the one principal of the open API."""

from ..auth.guard import CurrentPrincipal, current_principal

__all__ = ["CurrentPrincipal", "current_principal"]
