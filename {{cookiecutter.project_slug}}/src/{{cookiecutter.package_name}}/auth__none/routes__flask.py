"""An open API adds no routes of its own."""

from flask_openapi.blueprint import APIBlueprint

routers: list[APIBlueprint] = []
