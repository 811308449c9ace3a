from __future__ import annotations

import pytest
from django.urls import reverse

from personas.models import Persona
from tests.factories import PersonaFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

VALID = {
    "name": "LinkedIn – founder me",
    "platform": "linkedin",
    "description": "Lessons from building a company.",
    "language": "en",
    "timezone": "Europe/Lisbon",
}


def test_create_persona_then_dashboard_asks_for_posts(owner_client, workspace):
    empty = owner_client.get(reverse("dashboard")).content.decode()
    assert "Create your first persona" in empty
    response = owner_client.post(reverse("persona_create"), VALID, follow=True)
    assert "Persona “LinkedIn – founder me” created." in response.content.decode()
    persona = Persona.objects.get(workspace=workspace)
    assert (persona.platform, persona.timezone) == ("linkedin", "Europe/Lisbon")
    dashboard = owner_client.get(reverse("dashboard")).content.decode()
    assert "Next: add your posts" in dashboard
    assert 'id="persona-switcher"' in dashboard


def test_form_errors_keep_what_was_typed(owner_client, workspace):
    PersonaFactory(workspace=workspace, name="Taken")
    response = owner_client.post(
        reverse("persona_create"),
        {**VALID, "name": "taken", "timezone": "Mars/Olympus", "description": "kept text"},
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "already has a persona with this name" in body
    assert "“Mars/Olympus” is not a time zone; pick one from the list." in body
    assert 'value="Mars/Olympus"' in body  # what was typed stays in the box
    assert '<datalist id="timezone-zones">' in body and '<option value="Europe/Lisbon">' in body
    assert "kept text" in body and 'value="taken"' in body
    assert Persona.objects.filter(workspace=workspace).count() == 1


def test_same_name_is_fine_in_another_workspace(owner_client, stranger):
    from tests.helpers import personal_workspace

    PersonaFactory(workspace=personal_workspace(stranger), name=VALID["name"])
    assert owner_client.post(reverse("persona_create"), VALID).status_code == 302


def test_edit_archive_restore(owner_client, workspace):
    persona = PersonaFactory(workspace=workspace, name="Old name")
    response = owner_client.post(
        reverse("persona_edit", args=[persona.pk]), {**VALID, "name": "New name"}
    )
    assert response.status_code == 302
    persona.refresh_from_db()
    assert persona.name == "New name"

    owner_client.post(reverse("persona_archive", args=[persona.pk]))
    persona.refresh_from_db()
    assert persona.is_archived
    page = owner_client.get(reverse("persona_list")).content.decode()
    assert "Archived" in page and "Restore" in page
    # Archived personas leave the switcher.
    assert 'id="persona-switcher"' not in owner_client.get(reverse("dashboard")).content.decode()

    owner_client.post(reverse("persona_restore", args=[persona.pk]))
    persona.refresh_from_db()
    assert not persona.is_archived


def test_persona_switcher_remembers_choice_per_workspace(owner_client, workspace):
    first = PersonaFactory(workspace=workspace, name="A first")
    second = PersonaFactory(workspace=workspace, name="B second")
    page = owner_client.get(reverse("dashboard")).content.decode()
    assert "<h2>A first</h2>" in page
    response = owner_client.post(
        reverse("persona_switch", args=[second.pk]), {"next": reverse("persona_list")}
    )
    assert response.url == reverse("persona_list")
    assert "<h2>B second</h2>" in owner_client.get(reverse("dashboard")).content.decode()
    assert first.pk != second.pk
    # An outside redirect target is ignored.
    response = owner_client.post(
        reverse("persona_switch", args=[first.pk]), {"next": "https://evil.example/"}
    )
    assert response.url == reverse("dashboard")


def test_editor_can_edit_but_viewer_cannot(workspace, teammate, viewer):
    persona = PersonaFactory(workspace=workspace)
    editor = client_for(teammate, workspace)
    assert editor.post(reverse("persona_edit", args=[persona.pk]), VALID).status_code == 302
    view_only = client_for(viewer, workspace)
    assert view_only.get(reverse("persona_edit", args=[persona.pk])).status_code == 403
    assert view_only.post(reverse("persona_archive", args=[persona.pk])).status_code == 403
    persona.refresh_from_db()
    assert not persona.is_archived


def test_list_query_count_is_flat(owner_client, workspace, django_assert_max_num_queries):
    PersonaFactory.create_batch(3, workspace=workspace)
    with django_assert_max_num_queries(12) as small:
        owner_client.get(reverse("persona_list"))
    PersonaFactory.create_batch(30, workspace=workspace)
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(reverse("persona_list"))
