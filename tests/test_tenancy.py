"""Generic tenancy guard: every URL that takes an object id must refuse a stranger.

It walks the whole URLconf, so URLs added by later apps are covered automatically. Object ids
in URLs are named `<model>_id` (e.g. `persona_id`); the walker creates that object in the
owner's workspace with the model's factory and requests the URL, GET and POST, as a stranger
who is signed in to a workspace of their own. Every answer must be 403 or 404 (or 405 for a
GET on a POST-only URL, which is refused before any lookup).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from tests.factories import FACTORIES_BY_MODEL
from tests.helpers import client_for, personal_workspace

SKIPPED_NAMESPACES = {"admin"}  # the Django admin is staff-only and checked by Django itself


def _walk(resolver: URLResolver, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            yield from _walk(entry, (*prefix, entry.namespace) if entry.namespace else prefix)
        elif entry.name:
            yield ":".join((*prefix, entry.name)), entry


def object_id_urls() -> list[tuple[str, dict[str, type]]]:
    """(url name, {kwarg: model}) for every URL pattern with an integer or UUID parameter."""
    models_by_name = {
        model._meta.model_name: model
        for model in apps.get_models()
        if model._meta.app_config.path.startswith(str(settings.BASE_DIR))
        and ".venv" not in model._meta.app_config.path
    }
    found = []
    for name, pattern in _walk(get_resolver()):
        converters = getattr(pattern.pattern, "converters", {})
        id_params = {
            kwarg: conv
            for kwarg, conv in converters.items()
            if isinstance(conv, (IntConverter, UUIDConverter))
        }
        if not id_params:
            continue
        mapping = {}
        for kwarg in id_params:
            assert kwarg.endswith("_id"), (
                f"URL {name!r}: name object ids <model>_id (got {kwarg!r}) so tenancy is checked"
            )
            model = models_by_name.get(kwarg.removesuffix("_id").replace("_", ""))
            assert model is not None, f"URL {name!r}: no model named after {kwarg!r}"
            mapping[kwarg] = model
        found.append((name, mapping))
    return found


def test_walker_sees_the_object_urls() -> None:
    names = {name for name, _ in object_id_urls()}
    # A sample the walker must find; new URLs join automatically.
    assert {"persona_edit", "workspace_switch", "membership_role", "invitation_revoke"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "mapping"), object_id_urls(), ids=[name for name, _ in object_id_urls()]
)
def test_stranger_gets_404_or_403(url_name: str, mapping: dict[str, type], owner, stranger) -> None:
    workspace = personal_workspace(owner)
    kwargs = {}
    for kwarg, model in mapping.items():
        factory = FACTORIES_BY_MODEL.get(model)
        assert factory is not None, f"add a factory for {model.__name__} to FACTORIES_BY_MODEL"
        if model._meta.model_name == "workspace":
            obj = workspace
        elif model._meta.model_name == "user":
            obj = owner
        else:
            obj = factory(workspace=workspace)
        kwargs[kwarg] = obj.pk
    url = reverse(url_name, kwargs=kwargs)
    client = client_for(stranger, personal_workspace(stranger))
    for method, allowed in (("get", {403, 404, 405}), ("post", {403, 404})):
        response = getattr(client, method)(url)
        assert response.status_code in allowed, (
            f"{method.upper()} {url} as a stranger answered {response.status_code}"
        )


def api_object_operations() -> list[tuple[str, str, dict[str, type]]]:
    """Every API operation about one object, as (method, path, {parameter: model}).

    Read from the OpenAPI document; path parameters are named <model>_id, as page URLs are."""
    from api.v1 import api

    models_by_name = {model._meta.model_name: model for model in apps.get_models()}
    found = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        names = re.findall(r"{(\w+)}", path)
        if not names:
            continue
        mapping = {}
        for name in names:
            assert name.endswith("_id"), f"{path}: name object ids <model>_id (got {name!r})"
            model = models_by_name.get(name.removesuffix("_id").replace("_", ""))
            assert model is not None, f"{path}: no model named after {name!r}"
            mapping[name] = model
        found += [(method.upper(), path, mapping) for method in operations]
    return found


def _example(schema: dict, document: dict) -> object:
    """A smallest value that matches `schema`.

    So a body passes validation and the lookup is what answers."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return _example(document["components"]["schemas"][name], document)
    if "anyOf" in schema:
        return _example(schema["anyOf"][0], document)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {
            name: _example(schema["properties"][name], document)
            for name in schema.get("required", [])
        }
    if kind == "array":
        return [_example(schema.get("items", {}), document)]
    return {"integer": 1, "number": 1, "boolean": False, "null": None}.get(kind, "x")


def _body(method: str, path: str) -> str:
    from api.v1 import api

    document = api.get_openapi_schema()
    content = document["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return json.dumps(_example(schema, document) if schema else {})


def test_the_api_walker_sees_the_object_operations() -> None:
    paths = {path for _, path, _ in api_object_operations()}
    assert {"/api/v1/publications/{publication_id}", "/api/v1/generations/{generation_id}"} <= paths


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "mapping"),
    api_object_operations(),
    ids=[f"{method} {path}" for method, path, _ in api_object_operations()],
)
def test_another_workspaces_token_gets_404(method, path, mapping, owner, stranger) -> None:
    from api.tokens import token_create

    workspace = personal_workspace(owner)
    url = path
    for name, model in mapping.items():
        obj = FACTORIES_BY_MODEL[model](workspace=workspace)
        url = url.replace(f"{{{name}}}", str(obj.pk))
    _, token = token_create(
        workspace=personal_workspace(stranger),
        user=stranger,
        role="owner",
        name="stranger",
        scopes=["read", "write", "publish"],
    )
    response = Client().generic(
        method,
        url,
        _body(method, path),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 404, (
        f"{method} {url} with a stranger's token: {response.status_code}"
    )
