"""The accounts' forms, each checked by the API's own request model, and what their pages are given."""

from typing import Annotated, Any

from pydantic import BaseModel, Field

from ...auth.passwords import MAX_PASSWORD_LENGTH
from ...auth.schemas import Email
from ..forms import PageForm, Submission


class SignIn(BaseModel):
    """An e-mail address and a password, as the token endpoint's password grant takes them."""

    email: Email
    password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)]


class SignUpFields(PageForm):
    email: str = ""
    password: str = ""


class SignInFields(PageForm):
    email: str = ""
    password: str = ""


class PasswordChangeFields(PageForm):
    current_password: str = ""
    new_password: str = ""


class DeletionFields(PageForm):
    current_password: str = ""


class EmailFields(PageForm):
    email: str = ""


class PasswordResetFields(PageForm):
    token: str = ""
    new_password: str = ""


class VerificationFields(PageForm):
    token: str = ""


def refuse_form(submission: Submission, message: str, status: int) -> None:
    """A refusal about the whole form rather than one field, shown above it."""
    submission.errors[""] = message
    submission.data = None
    submission.status = status


def on_field(submission: Submission, field_name: str) -> Submission:
    """The model's rule on the whole form (such as a password that is the address), shown next to ``field_name``."""
    if "" in submission.errors:
        submission.errors.setdefault(field_name, submission.errors.pop(""))
    return submission


def form_page(values: dict[str, str], errors: dict[str, str], **more: Any) -> dict[str, Any]:
    """A form's page: the text typed (never a password, which the templates do not show again), each field's
    message, and the first field in error, which takes the focus."""
    return {
        "values": values,
        "errors": errors,
        "first_error": next((name for name in values if name in errors), None),
        **more,
    }
