"""The items resource: an example of a feature, with its tables, contract, rules and routes in one package."""

URL = "/api/v1/items"


def item_url(item_id: int) -> str:
    """Where an item lives: the ``Location`` of a created item."""
    return f"{URL}/{item_id}"
