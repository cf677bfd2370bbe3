"""An open API adds no routes of its own."""

from flask_openapi3.blueprint import APIBlueprint

routers: list[APIBlueprint] = []
