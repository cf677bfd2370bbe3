"""``GET /metrics``: the Prometheus text format, outside the public OpenAPI document."""

from flask import Flask, Response

from ..core.metrics import CONTENT_TYPE, METRICS_URL, exposition


def metrics() -> Response:
    return Response(exposition(), content_type=CONTENT_TYPE)


def add_metrics(app: Flask) -> None:
    app.add_url_rule(METRICS_URL, view_func=metrics)
