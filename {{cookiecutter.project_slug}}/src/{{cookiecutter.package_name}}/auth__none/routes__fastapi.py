"""An open API adds no routes of its own."""

from fastapi import APIRouter

routers: list[APIRouter] = []
