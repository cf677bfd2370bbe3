"""No identity: the API is open, for a service behind something that already authenticates its callers.

Every caller is the same principal, which owns everything and may do everything.
"""

from ..core.principals import Principal, Role

EVERYONE = Principal(subject="everyone", role=Role.ADMIN)
