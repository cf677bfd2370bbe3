"""``GET /metrics``: the Prometheus text format, outside the public OpenAPI document."""

from fastapi import FastAPI, Response

from ..core.metrics import CONTENT_TYPE, METRICS_URL, exposition


def metrics() -> Response:
    # A plain function: FastAPI runs it on a thread, since reading the workers' files blocks.
    return Response(exposition(), media_type=CONTENT_TYPE)


def add_metrics(app: FastAPI) -> None:
    app.add_api_route(METRICS_URL, metrics, methods=["GET"], include_in_schema=False)
