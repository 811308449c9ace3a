"""API v1: the routers on the one NinjaAPI object (api.http.api)."""

from __future__ import annotations

from api.endpoints import content, drafts, scheduling
from api.http import api, known_query_only

for module in (content, scheduling, drafts):
    module.router.add_decorator(known_query_only, mode="view")
    api.add_router("", module.router)

__all__ = ["api"]
