"""Every page shows its times in the persona's zone, with the zone named.

Every page shows its times in the persona's zone (workspace-wide pages: the viewer's), with
the zone named — walked like tests/test_tenancy.py walks the URLconf, so pages added later are
covered. Every stored time is set to 20:47 UTC; in America/Phoenix that is 13:47, in
Asia/Kolkata 02:17 the next day (a half-hour zone). No page may show 20:47."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from personas.models import Persona
from tests.factories import FACTORIES_BY_MODEL, PersonaFactory, UserFactory
from tests.helpers import client_for, personal_workspace
from tests.test_tenancy import _walk, object_id_urls

FIXED = datetime(2026, 12, 7, 20, 47, tzinfo=UTC)
LOCAL = {"America/Phoenix": ("13:47", "MST"), "Asia/Kolkata": ("02:17", "IST")}


def _our_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_config.path.startswith(str(settings.BASE_DIR))
        and ".venv" not in model._meta.app_config.path
    ]


def _every_time_at(moment: datetime) -> None:
    for model in _our_models():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.DateTimeField) and not f.primary_key
        ]
        for field in fields:  # only times that are set (an empty archived_at stays empty)
            model._default_manager.filter(**{f"{field}__isnull": False}).update(**{field: moment})


def _pages(objects: dict[type, object]) -> list[str]:
    urls = []
    with_ids = dict(object_id_urls())
    for name, pattern in _walk(get_resolver()):
        converters = getattr(pattern.pattern, "converters", {})
        if not converters:
            urls.append(reverse(name))
        elif name in with_ids and all(
            isinstance(c, (IntConverter, UUIDConverter)) for c in converters.values()
        ):
            kwargs = {k: objects[m].pk for k, m in with_ids[name].items() if m in objects}
            if len(kwargs) == len(converters):
                urls.append(reverse(name, kwargs=kwargs))
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("zone", sorted(LOCAL))
def test_no_page_shows_a_time_in_the_wrong_zone(zone):
    owner = UserFactory(email="zone@example.com", timezone=zone)
    workspace = personal_workspace(owner)
    persona = PersonaFactory(workspace=workspace, name="A persona", timezone=zone)
    objects: dict[type, object] = {Persona: persona}
    for name in ("publication", "post"):  # the current persona's own, for the pages below
        model = model_named(name)
        objects[model] = FACTORIES_BY_MODEL[model](persona=persona)
    for model, factory in FACTORIES_BY_MODEL.items():
        if model._meta.model_name == "workspace":
            objects[model] = workspace
        elif model._meta.model_name == "user":
            objects[model] = owner
        elif model not in objects:
            objects[model] = factory(workspace=workspace)
    Persona.objects.filter(workspace=workspace).update(timezone=zone)
    _every_time_at(FIXED)
    client = client_for(owner, workspace)
    shown, checked = LOCAL[zone], 0
    for url in _pages(objects):
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        # What a person reads: <time datetime="…"> attributes carry the ISO instant, by design.
        page = re.sub(r'datetime="[^"]*"', "", response.content.decode())
        checked += 1
        assert "20:47" not in page, f"{url} shows a time in UTC"
        if shown[0] in page:
            assert shown[1] in page, f"{url} shows {shown[0]} without naming the zone"
    assert checked > 30
    # The pages that matter most show the local time, zone named.
    for url in (
        reverse("publishing_queue"),
        reverse("publication_detail", args=[objects[model_named("publication")].pk]),
        reverse("post_detail", args=[objects[model_named("post")].pk]),
    ):
        page = client.get(url).content.decode()
        assert shown[0] in page and shown[1] in page, url


def model_named(name: str) -> type:
    return next(model for model in FACTORIES_BY_MODEL if model._meta.model_name == name)
