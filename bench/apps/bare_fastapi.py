"""The bare FastAPI baseline: the generated app's routes, driver and SQL, and nothing else.

Runs inside a FastAPI bake's environment; ``BENCH_DATABASE_URL`` names the seeded PostgreSQL database.
"""

import os
from datetime import UTC, datetime
from typing import Any

from bare_tables import OWNER, READ, count_statement, item_json, items, page_json, page_statement
from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(os.environ["BENCH_DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://"))
app = FastAPI()


class NewItem(BaseModel):
    name: str
    description: str | None = None
    quantity: int = 0


@app.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/api/v1/items/{item_id}")
async def read_item(item_id: int) -> dict[str, Any]:
    async with engine.connect() as connection:
        result = await connection.execute(READ, {"item_id": item_id})
        row = result.mappings().first()
    if row is None:
        raise HTTPException(404)
    return item_json(row)


@app.get("/api/v1/items")
async def list_items(limit: int = 20, offset: int = 0) -> dict[str, Any]:
    async with engine.connect() as connection:
        rows = (await connection.execute(page_statement(limit, offset))).mappings().all()
        total = (await connection.execute(count_statement())).scalar_one()
    return page_json(rows, total, limit, offset)


@app.post("/api/v1/items", status_code=201)
async def create_item(data: NewItem, response: Response) -> dict[str, Any]:
    now = datetime.now(UTC)
    values = {**data.model_dump(), "owner": OWNER, "created_at": now, "updated_at": now}
    async with engine.begin() as connection:
        item_id = (await connection.execute(insert(items).values(values).returning(items.c.id))).scalar_one()
    response.headers["Location"] = f"/api/v1/items/{item_id}"
    return item_json({"id": item_id, **values})
