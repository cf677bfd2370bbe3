"""The items resource: every row of the contract table."""

from datetime import datetime
from typing import Any

import httpx2
import pytest
from pydantic.json_schema import GenerateJsonSchema
from sqlalchemy import Connection, insert
from sqlalchemy.exc import IntegrityError

from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.models import utc_now, violated_constraint
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.items import queries
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import PROTECTED_STATUSES
from .helpers import assert_problem, create, documented_operations

ITEM = ITEMS + "/{item_id}"
CONTRACT = {
    (ITEMS, "get"): {"200", "414", "422", "429", "503"} | PROTECTED_STATUSES,
    (ITEMS, "post"): {"201", "400", "409", "413", "414", "415", "422", "429", "503"} | PROTECTED_STATUSES,
    (ITEM, "get"): {"200", "304", "404", "414", "422", "429", "503"} | PROTECTED_STATUSES,
    (ITEM, "patch"): {"200", "400", "404", "409", "412", "413", "414", "415", "422", "428", "429", "503"}
    | PROTECTED_STATUSES,
    (ITEM, "delete"): {"204", "404", "409", "412", "414", "422", "428", "429", "503"} | PROTECTED_STATUSES,
}
"""Each operation and the statuses it documents; a protected one also 401."""


def create_item(client: httpx2.Client, name: str = "Widget", **fields: Any) -> dict[str, Any]:
    return create(client, ITEMS, name=name, **fields)


def test_the_documented_operations_are_the_contract(client: httpx2.Client) -> None:
    documented = documented_operations(client)

    assert {operation: documented.get(operation) for operation in CONTRACT} == CONTRACT


def test_create_returns_201_with_location_and_the_item(client: httpx2.Client) -> None:
    response = client.post(ITEMS, json={"name": "Widget", "description": "Small.", "quantity": 3})

    assert response.status_code == 201
    item = response.json()
    assert response.headers["location"] == f"{ITEMS}/{item['id']}"
    assert item["name"] == "Widget"
    assert item["description"] == "Small."
    assert item["quantity"] == 3
    assert datetime.fromisoformat(item["created_at"]).tzinfo is not None
    assert item["updated_at"] == item["created_at"]


def test_create_fills_in_defaults(client: httpx2.Client) -> None:
    item = create_item(client, "Bare")

    assert item["description"] is None
    assert item["quantity"] == 0


def test_read_returns_the_created_item(client: httpx2.Client) -> None:
    item = create_item(client)

    response = client.get(f"{ITEMS}/{item['id']}")

    assert response.status_code == 200
    assert response.json() == item


def test_duplicate_name_is_409(client: httpx2.Client) -> None:
    create_item(client, "Widget")

    body = assert_problem(client.post(ITEMS, json={"name": "Widget"}), 409)

    assert "Widget" in body["detail"]
    assert client.get(ITEMS).json()["total"] == 1


def test_names_are_compared_in_their_composed_form(client: httpx2.Client) -> None:
    composed = create_item(client, "caf\u00e9")

    body = assert_problem(client.post(ITEMS, json={"name": "cafe\u0301"}), 409)

    assert composed["name"] == "caf\u00e9"
    assert "caf\u00e9" in body["detail"]
    assert client.get(ITEMS, params={"q": "cafe\u0301"}).json()["items"] == [composed]


def test_a_name_given_in_decomposed_form_is_stored_composed(client: httpx2.Client) -> None:
    assert create_item(client, "cre\u0300me")["name"] == "cr\u00e8me"


def test_another_broken_rule_is_not_reported_as_a_taken_name(
    client: httpx2.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the unique constraint on the name means "name taken"; any other integrity error is a server error."""
    create_item(client, "Widget")
    monkeypatch.setattr(queries, "UNIQUE_NAME", "uq_some_other_rule")

    body = assert_problem(client.post(ITEMS, json={"name": "Widget"}), 500)

    assert "already exists" not in body["detail"]
    assert client.get(ITEMS).json()["total"] == 1


def test_the_name_rule_is_the_one_the_database_names(settings: Settings) -> None:
    def violate(connection: Connection) -> None:
        row = {"owner": "someone", "name": "Widget", "quantity": 0, "created_at": utc_now(), "updated_at": utc_now()}
        connection.execute(insert(Item).values(row))
        with pytest.raises(IntegrityError) as duplicate:
            connection.execute(insert(Item).values(row))
        connection.rollback()
        with pytest.raises(IntegrityError) as missing:
            connection.execute(insert(Item).values({**row, "name": None}))
        connection.rollback()

        assert violated_constraint(duplicate.value) == queries.UNIQUE_NAME == "uq_items_owner_name"
        assert violated_constraint(missing.value) != queries.UNIQUE_NAME

    database.run_on_connection(settings, violate)


def test_list_pages_in_creation_order(client: httpx2.Client) -> None:
    created = [create_item(client, f"Item {number}") for number in range(5)]

    page = client.get(ITEMS, params={"limit": 2, "offset": 1}).json()

    assert page["items"] == created[1:3]
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 1)


def test_list_defaults_and_empty_page(client: httpx2.Client) -> None:
    assert client.get(ITEMS).json() == {"items": [], "total": 0, "limit": 20, "offset": 0}


def test_list_filters_by_name_and_counts_matches(client: httpx2.Client) -> None:
    for name in ("red apple", "green apple", "pear", "100% juice"):
        create_item(client, name)

    apples = client.get(ITEMS, params={"q": "apple"}).json()
    percent = client.get(ITEMS, params={"q": "%"}).json()

    assert [item["name"] for item in apples["items"]] == ["red apple", "green apple"]
    assert apples["total"] == 2
    assert [item["name"] for item in percent["items"]] == ["100% juice"]


def test_reading_a_page_builds_no_json_schema(client: httpx2.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """A model's JSON schema is for the API document; built on every request, it cost a page a third of its time."""
    built: list[str] = []
    build = GenerateJsonSchema.generate

    def counted(self: GenerateJsonSchema, *args: Any, **kwargs: Any) -> Any:
        built.append(type(self).__name__)
        return build(self, *args, **kwargs)

    monkeypatch.setattr(GenerateJsonSchema, "generate", counted)

    assert client.get(ITEMS, params={"limit": 5, "q": "apple"}).status_code == 200
    assert built == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**30}, "offset"),
        ({"q": "x" * 101}, "q"),
        ({"q": "nul\u0000byte"}, "q"),
    ],
    ids=["limit-zero", "limit-too-big", "limit-not-a-number", "offset-negative", "offset-huge", "q-too-long", "q-nul"],
)
def test_bad_paging_is_422(client: httpx2.Client, params: dict[str, Any], field: str) -> None:
    body = assert_problem(client.get(ITEMS, params=params), 422)

    assert [error["loc"] for error in body["errors"]] == [["query", field]]


def test_patch_changes_only_the_given_fields(client: httpx2.Client) -> None:
    item = create_item(client, "Widget", description="Small.", quantity=3)

    response = client.patch(f"{ITEMS}/{item['id']}", json={"quantity": 7})

    assert response.status_code == 200
    updated = response.json()
    assert (updated["name"], updated["description"], updated["quantity"]) == ("Widget", "Small.", 7)
    assert updated["updated_at"] >= item["updated_at"]
    assert client.get(f"{ITEMS}/{item['id']}").json() == updated


def test_patch_can_clear_the_description(client: httpx2.Client) -> None:
    item = create_item(client, "Widget", description="Small.")

    response = client.patch(f"{ITEMS}/{item['id']}", json={"description": None})

    assert response.json()["description"] is None


def test_patch_to_a_taken_name_is_409_and_changes_nothing(client: httpx2.Client) -> None:
    create_item(client, "First")
    second = create_item(client, "Second", quantity=1)

    assert_problem(client.patch(f"{ITEMS}/{second['id']}", json={"name": "First", "quantity": 2}), 409)

    assert client.get(f"{ITEMS}/{second['id']}").json() == second


def test_patch_rejects_null_for_a_required_field(client: httpx2.Client) -> None:
    item = create_item(client)

    body = assert_problem(client.patch(f"{ITEMS}/{item['id']}", json={"name": None}), 422)

    assert body["errors"][0]["loc"] == ["body", "name"]


def test_delete_returns_204_then_the_item_is_gone(client: httpx2.Client) -> None:
    item = create_item(client)

    response = client.delete(f"{ITEMS}/{item['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(client.get(f"{ITEMS}/{item['id']}"), 404)


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_item_is_404(client: httpx2.Client, method: str) -> None:
    body = assert_problem(client.request(method, f"{ITEMS}/999", json={}), 404)

    assert "999" in body["detail"]


@pytest.mark.parametrize("item_id", ["abc", "1.5", "0", "-1", str(2**31), str(2**63)])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_invalid_item_id_is_422(client: httpx2.Client, method: str, item_id: str) -> None:
    body = assert_problem(client.request(method, f"{ITEMS}/{item_id}", json={}), 422)

    assert body["errors"][0]["loc"] == ["path", "item_id"]


@pytest.mark.parametrize(
    ("payload", "field", "error_type"),
    [
        ({}, "name", "missing"),
        ({"name": ""}, "name", "string_too_short"),
        ({"name": "x" * 101}, "name", "string_too_long"),
        ({"name": "nul\u0000byte"}, "name", "string_pattern_mismatch"),
        ({"name": "   "}, "name", "string_pattern_mismatch"),
        ({"name": "\u00a0\t\n"}, "name", "string_pattern_mismatch"),
        ({"name": 5}, "name", "string_type"),
        ({"name": "Widget", "quantity": -1}, "quantity", "greater_than_equal"),
        ({"name": "Widget", "quantity": 10**20}, "quantity", "less_than_equal"),
        ({"name": "Widget", "quantity": False}, "quantity", "int_type"),
        ({"name": "Widget", "quantity": 3.5}, "quantity", "int_from_float"),
        ({"name": "Widget", "description": "x" * 1001}, "description", "string_too_long"),
        ({"name": "Widget", "colour": "red"}, "colour", "extra_forbidden"),
    ],
    ids=[
        "missing-name",
        "empty-name",
        "long-name",
        "nul-in-name",
        "blank-name",
        "white-space-name",
        "number-name",
        "negative",
        "huge",
        "boolean-quantity",
        "fractional-quantity",
        "long-text",
        "unknown",
    ],
)
def test_invalid_new_item_is_422_with_errors(
    client: httpx2.Client, payload: dict[str, Any], field: str, error_type: str
) -> None:
    body = assert_problem(client.post(ITEMS, json=payload), 422)

    assert body["errors"] == [{"loc": ["body", field], "msg": body["errors"][0]["msg"], "type": error_type}]
    assert client.get(ITEMS).json()["total"] == 0


@pytest.mark.parametrize(
    "content", [b"[]", b'"Widget"', b"null", b"5", b""], ids=["list", "string", "null", "number", "empty"]
)
def test_a_body_that_is_not_an_object_is_422(client: httpx2.Client, content: bytes) -> None:
    body = assert_problem(client.post(ITEMS, content=content, headers={"content-type": "application/json"}), 422)

    assert body["errors"][0]["loc"][0] == "body"
