"""The bare Flask baseline: the generated app's routes, driver and SQL, and nothing else.

Runs inside a Flask bake's environment; ``BENCH_DATABASE_URL`` names the seeded PostgreSQL database.
"""

import os
from datetime import UTC, datetime
from typing import Any

from bare_tables import OWNER, READ, count_statement, item_json, items, page_json, page_statement
from flask import Flask, abort, request
from sqlalchemy import create_engine, insert

engine = create_engine(os.environ["BENCH_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
app = Flask(__name__)


@app.get("/health/live")
def live() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/api/v1/items/<int:item_id>")
def read_item(item_id: int) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(READ, {"item_id": item_id}).mappings().first()
    if row is None:
        abort(404)
    return item_json(row)


@app.get("/api/v1/items")
def list_items() -> dict[str, Any]:
    limit = request.args.get("limit", 20, type=int)
    offset = request.args.get("offset", 0, type=int)
    with engine.connect() as connection:
        rows = connection.execute(page_statement(limit, offset)).mappings().all()
        total = connection.execute(count_statement()).scalar_one()
    return page_json(rows, total, limit, offset)


@app.post("/api/v1/items")
def create_item() -> tuple[dict[str, Any], int, dict[str, str]]:
    data = request.get_json()
    now = datetime.now(UTC)
    values = {
        "owner": OWNER,
        "name": data["name"],
        "description": data.get("description"),
        "quantity": data.get("quantity", 0),
        "created_at": now,
        "updated_at": now,
    }
    with engine.begin() as connection:
        item_id = connection.execute(insert(items).values(values).returning(items.c.id)).scalar_one()
    return item_json({"id": item_id, **values}), 201, {"Location": f"/api/v1/items/{item_id}"}
