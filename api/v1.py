"""API v1: the routers on the one NinjaAPI object (api.http.api)."""

from __future__ import annotations

from api.endpoints import content, drafts, scheduling
from api.http import api

api.add_router("", content.router)
api.add_router("", scheduling.router)
api.add_router("", drafts.router)

__all__ = ["api"]
