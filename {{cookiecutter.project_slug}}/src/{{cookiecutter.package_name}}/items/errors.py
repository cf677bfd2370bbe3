"""What can go wrong with an item, in the words of the error vocabulary."""

from ..core.errors import ConflictError, NotFoundError


class ItemNotFoundError(NotFoundError):
    """No item has the requested id."""

    def __init__(self, item_id: int) -> None:
        super().__init__(f"Item {item_id} does not exist.")


class ItemNameTakenError(ConflictError):
    """Another item already has this name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"An item named {name!r} already exists.")
