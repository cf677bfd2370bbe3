"""The pages' forms: what a browser posts, checked by the API's own request models.

A form posts text only, so its fields are read as text and handed to the same Pydantic model the API validates JSON
with: a failed field gets that model's message, shown next to its input, and the text typed is shown again.
"""

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError

from ..core.errors import ServiceError
from ..core.fields import MAX_ROW_ID
from ..items.errors import ItemNotFoundError
from ..items.schemas import ItemRead
from ..web.etags import EntityTags, Precondition, entity_tag

CHANGED_MEANWHILE = (
    "Someone else changed this item after you opened this page, so nothing was saved. What you typed is kept below: "
    "save it again to replace their change, or cancel to see the item as it is now."
)
DELETED_MEANWHILE = (
    "Someone else changed this item after you opened this page, so it was not deleted. Keep it to see the item as it "
    "is now, or delete it as it is now."
)


class PageForm(BaseModel):
    """What every form of the pages posts: its CSRF token, and its fields as text."""

    csrf_token: str = ""

    blank_is_none: ClassVar[frozenset[str]] = frozenset()
    """Fields that an empty input clears."""
    blank_is_left_out: ClassVar[frozenset[str]] = frozenset()
    """Fields that an empty input leaves out: the model's default, or on an edit the value kept."""
    hidden: ClassVar[frozenset[str]] = frozenset()
    """Fields that the page keeps in the form for itself, which the model does not read."""

    def typed(self) -> dict[str, str]:
        """The fields as typed, to show again."""
        return self.model_dump(exclude={"csrf_token"})

    def data(self) -> dict[str, object]:
        """The fields as the model reads them."""
        return {
            name: None if not value and name in self.blank_is_none else value
            for name, value in self.typed().items()
            if name not in self.hidden and (value or name not in self.blank_is_left_out)
        }


class VersionedForm(PageForm):
    """A form that changes what it was shown with: the version it was shown at travels with it, and the change is made
    only while the resource still has that version, as an API client's If-Match asks."""

    version: str = ""

    hidden = frozenset({"version"})

    def precondition(self) -> Precondition:
        return Precondition(EntityTags(strong=frozenset({entity_tag(self.version)})))


class ItemFields(PageForm):
    """An item's form."""

    name: str = ""
    description: str = ""
    quantity: str = ""

    blank_is_none = frozenset({"description"})
    blank_is_left_out = frozenset({"quantity"})


class ItemChange(ItemFields, VersionedForm):
    """An item's edit form, which carries the version of the item it shows."""

    @classmethod
    def shown(cls, item: ItemRead) -> dict[str, str]:
        """An item's fields as its edit form shows them."""
        description = item.description or ""
        return cls(version=item.version, name=item.name, description=description, quantity=str(item.quantity)).typed()


def checked_item_id(item_id: int) -> int:
    """An item's id from a page's URL: one beyond what the table can hold is no item, as on the API."""
    if item_id > MAX_ROW_ID:
        raise ItemNotFoundError(item_id)
    return item_id


@dataclass
class Submission:
    """A posted form: the text typed, the model it makes (``None`` while a field fails), and each field's message."""

    values: dict[str, str]
    data: Any = None
    """An instance of the model that ``submitted`` was given: typed by the caller that named the model (a type
    variable here would need the syntax of Python 3.12, which the oldest supported Python cannot read)."""
    errors: dict[str, str] = field(default_factory=dict)
    status: int = 200
    """The status of the form shown again: 422 for a field that fails (with scripts off, the browser shows any
    status), or the business rule's own, such as 409."""
    summary: str | None = None
    """A message about the whole form, shown above it in place of the usual one about the fields."""

    def refuse(self, field_name: str, error: ServiceError) -> None:
        """Show a business rule's error, such as a name already taken, next to the field it is about."""
        self.errors[field_name] = error.detail
        self.data = None
        self.status = error.status

    def refuse_stale(self) -> None:
        """Show that the resource changed since the form was opened (412), with the text typed kept."""
        self.summary = CHANGED_MEANWHILE
        self.data = None
        self.status = HTTPStatus.PRECONDITION_FAILED

    @property
    def stale(self) -> bool:
        return self.status == HTTPStatus.PRECONDITION_FAILED


def submitted(form: PageForm, model: type[BaseModel]) -> Submission:
    """The form validated by ``model``, with the first message of each field that fails."""
    try:
        return Submission(form.typed(), model.model_validate(form.data()))
    except ValidationError as error:
        messages: dict[str, str] = {}
        for detail in error.errors():
            messages.setdefault(".".join(map(str, detail["loc"])), detail["msg"])
        return Submission(form.typed(), errors=messages, status=422)
