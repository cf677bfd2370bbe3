"""Deleting an account: by its owner with their password, or by an admin; its sessions end at once, what it owns goes
with it, and its id never passes to anyone else."""

from collections.abc import Callable

import httpx2
from sqlalchemy import Connection, func, select

from {{ cookiecutter.package_name }}.auth import USERS_URL
from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.models import OWNER, Base
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import (
    ME,
    PASSWORD,
    assert_oauth_error,
    assert_refused,
    bearer,
    refresh_grant,
    register,
    sign_in_admin,
    token,
)
from .helpers import assert_problem


def owned_rows(settings: Settings, subject: str) -> int:
    """How many rows of every table that names an owner belong to ``subject``."""
    found: list[int] = []

    def count(connection: Connection) -> None:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if column.info.get(OWNER):
                    found.append(connection.execute(select(func.count()).where(column == subject)).scalar_one())

    database.run_on_connection(settings, count)
    return sum(found)


def test_the_owner_deletes_their_account_with_its_password(anonymous_client: httpx2.Client, settings: Settings) -> None:
    register(anonymous_client, "bob@example.com")
    ada = register(anonymous_client, "ada@example.com")
    tokens = token(anonymous_client, "ada@example.com")
    headers = bearer(tokens["access_token"])
    response = anonymous_client.post(ITEMS, json={"name": "ada's notes"}, headers=headers)
    assert response.status_code == 201, response.text

    assert_problem(
        anonymous_client.post(f"{ME}/delete", json={"current_password": "not the password"}, headers=headers), 403
    )
    response = anonymous_client.post(f"{ME}/delete", json={"current_password": PASSWORD}, headers=headers)

    assert response.status_code == 204, response.text
    assert_refused(anonymous_client.get(ME, headers=headers))
    assert_oauth_error(refresh_grant(anonymous_client, tokens["refresh_token"]), "invalid_grant")
    assert owned_rows(settings, str(ada["id"])) == 0


def test_a_deleted_accounts_id_tokens_and_items_pass_to_no_one(
    anonymous_client: httpx2.Client, settings: Settings
) -> None:
    """The newest account is deleted, so that a database that reuses ids would hand its id to the next one."""
    ada = register(anonymous_client, "ada@example.com")
    tokens = token(anonymous_client, "ada@example.com")
    anonymous_client.post(ITEMS, json={"name": "ada's notes"}, headers=bearer(tokens["access_token"]))
    admin = sign_in_admin(anonymous_client, settings)
    last = register(anonymous_client, "cleo@example.com")
    cleo = bearer(token(anonymous_client, "cleo@example.com")["access_token"])
    anonymous_client.post(ITEMS, json={"name": "cleo's notes"}, headers=cleo)

    for user in (ada, last):
        response = anonymous_client.delete(f"{USERS_URL}/{user['id']}", headers=admin)
        assert response.status_code == 204, response.text
    newcomer = register(anonymous_client, "dan@example.com")

    assert newcomer["id"] not in {ada["id"], last["id"]}
    assert_refused(anonymous_client.get(ME, headers=cleo))
    assert_oauth_error(refresh_grant(anonymous_client, tokens["refresh_token"]), "invalid_grant")
    dan = bearer(token(anonymous_client, "dan@example.com")["access_token"])
    assert anonymous_client.get(ITEMS, headers=dan).json()["total"] == 0
    assert owned_rows(settings, str(ada["id"])) + owned_rows(settings, str(last["id"])) == 0


def test_only_an_admin_deletes_another_account_and_never_their_own(
    anonymous_client: httpx2.Client, settings: Settings
) -> None:
    ada = register(anonymous_client, "ada@example.com")
    bob = bearer(token(anonymous_client, register(anonymous_client, "bob@example.com")["email"])["access_token"])
    admin = sign_in_admin(anonymous_client, settings)
    admin_id = anonymous_client.get(ME, headers=admin).json()["id"]

    assert_problem(anonymous_client.delete(f"{USERS_URL}/{ada['id']}", headers=bob), 403)
    assert_problem(anonymous_client.delete(f"{USERS_URL}/{admin_id}", headers=admin), 409)
    assert_problem(anonymous_client.delete(f"{USERS_URL}/999999", headers=admin), 404)
    assert anonymous_client.get(f"{USERS_URL}/{ada['id']}", headers=admin).status_code == 200


def test_every_process_refuses_a_deleted_accounts_tokens(
    anonymous_client: httpx2.Client, make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    other_process = make_client(settings)
    headers = bearer(token(anonymous_client, register(anonymous_client, "ada@example.com")["email"])["access_token"])
    assert other_process.get(ME, headers=headers).status_code == 200

    anonymous_client.post(f"{ME}/delete", json={"current_password": PASSWORD}, headers=headers)

    assert_refused(other_process.get(ME, headers=headers))
