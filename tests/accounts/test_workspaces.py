from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Invitation, Membership, Role
from tests.factories import InvitationFactory, UserFactory, WorkspaceFactory
from tests.helpers import client_for, personal_workspace

pytestmark = pytest.mark.django_db


def test_owner_invites_by_email_and_the_invitee_joins_with_that_role(
    owner_client, workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("invitation_create"),
            {"email": "New.Person@example.com", "role": Role.VIEWER},
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200
    invitation = Invitation.objects.get(workspace=workspace)
    assert invitation.email == "new.person@example.com" and invitation.role == Role.VIEWER
    # The HTMX fragment shows the link and the toast arrives in HX-Trigger.
    assert invitation.token in response.content.decode()
    assert "Invitation sent to new.person@example.com" in response["HX-Trigger"]
    assert len(mail.outbox) == 1 and invitation.token in mail.outbox[0].body

    invitee = UserFactory(email="new.person@example.com")
    client = client_for(invitee)
    page = client.get(reverse("invitation_accept", args=[invitation.token]))
    assert "Accept invitation" in page.content.decode()
    response = client.post(reverse("invitation_accept", args=[invitation.token]))
    assert response.status_code == 302
    membership = Membership.objects.get(workspace=workspace, user=invitee)
    assert membership.role == Role.VIEWER
    # The joined workspace becomes current and appears in the switcher.
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert escape(workspace.name) in dashboard
    # A used link cannot be used again.
    again = client.post(reverse("invitation_accept", args=[invitation.token]))
    assert again.status_code == 410
    assert Membership.objects.filter(workspace=workspace, user=invitee).count() == 1


def test_invitation_for_another_address_is_refused(workspace, owner):
    invitation = InvitationFactory(workspace=workspace, email="right@example.com", invited_by=owner)
    wrong = UserFactory(email="wrong@example.com")
    response = client_for(wrong).post(reverse("invitation_accept", args=[invitation.token]))
    assert response.status_code == 410
    assert "This invitation is for right@example.com" in response.content.decode()
    assert not Membership.objects.filter(workspace=workspace, user=wrong).exists()


def test_expired_and_revoked_invitations_cannot_be_used(workspace, owner, settings):
    expired = InvitationFactory(workspace=workspace, email="late@example.com", invited_by=owner)
    Invitation.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - timedelta(days=settings.INVITATION_MAX_AGE_DAYS + 1)
    )
    late = UserFactory(email="late@example.com")
    response = client_for(late).post(reverse("invitation_accept", args=[expired.token]))
    assert "expired" in response.content.decode()

    revoked = InvitationFactory(workspace=workspace, email="gone@example.com", invited_by=owner)
    client_for(owner, workspace).post(reverse("invitation_revoke", args=[revoked.pk]))
    gone = UserFactory(email="gone@example.com")
    response = client_for(gone).post(reverse("invitation_accept", args=[revoked.token]))
    assert "withdrawn" in response.content.decode()
    assert not Membership.objects.filter(workspace=workspace, user__in=[late, gone]).exists()


def test_anonymous_invitee_is_offered_sign_in_and_sign_up(workspace, owner):
    invitation = InvitationFactory(workspace=workspace, email="fresh@example.com", invited_by=owner)
    from django.test import Client

    body = Client().get(reverse("invitation_accept", args=[invitation.token])).content.decode()
    assert "sign in to accept" in body and "Create my account and join" in body


def test_an_invitee_signs_up_from_the_link_without_a_second_mail_or_a_workspace_of_their_own(
    workspace, owner, mailoutbox
):
    from django.test import Client

    from accounts.models import Membership, User

    invitation = InvitationFactory(workspace=workspace, email="fresh@example.com", invited_by=owner)
    client = Client()
    url = reverse("invitation_accept", args=[invitation.token])
    weak = client.post(url, {"name": "Fresh", "password": "123"})
    assert weak.status_code == 422 and "Fresh" in weak.content.decode()  # kept what was typed
    joined = client.post(
        url, {"name": "Fresh", "password": "a long enough passphrase", "timezone": "Asia/Kolkata"}
    )
    assert joined.status_code == 302 and joined.url == reverse("dashboard")
    user = User.objects.get(email="fresh@example.com")
    assert user.timezone == "Asia/Kolkata"
    assert list(Membership.objects.filter(user=user).values_list("workspace_id", flat=True)) == [
        workspace.pk
    ]  # no personal workspace
    assert mailoutbox == []  # the link proved the address: no confirmation mail
    assert client.get(reverse("dashboard")).status_code == 200  # signed in, in the workspace
    again = Client().post(url, {"name": "X", "password": "a long enough passphrase"})
    assert again.status_code == 410 and "already been used" in again.content.decode()


def test_duplicate_invitation_and_existing_member_get_form_errors(owner_client, teammate):
    owner_client.post(reverse("invitation_create"), {"email": "x@example.com", "role": "editor"})
    again = owner_client.post(
        reverse("invitation_create"), {"email": "x@example.com", "role": "editor"}
    )
    assert again.status_code == 422
    assert "already has a pending invitation" in again.content.decode()
    member = owner_client.post(
        reverse("invitation_create"), {"email": teammate.email, "role": "editor"}
    )
    assert "already a member" in member.content.decode()
    assert f'value="{teammate.email}"' in member.content.decode()  # what was typed is kept


def test_editor_cannot_manage_members(workspace, teammate, viewer):
    client = client_for(teammate, workspace)
    invite = client.post(reverse("invitation_create"), {"email": "z@example.com", "role": "viewer"})
    assert invite.status_code == 403
    target = Membership.objects.get(workspace=workspace, user=viewer)
    role = client.post(reverse("membership_role", args=[target.pk]), {"role": Role.ADMIN})
    assert role.status_code == 403
    remove = client.post(reverse("membership_remove", args=[target.pk]))
    assert remove.status_code == 403
    target.refresh_from_db()
    assert target.role == Role.VIEWER
    assert not Invitation.objects.filter(email="z@example.com").exists()


def test_viewer_cannot_change_anything(workspace, viewer, teammate):
    client = client_for(viewer, workspace)
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("persona_list")).status_code == 200
    assert client.get(reverse("persona_create")).status_code == 403
    created = client.post(
        reverse("persona_create"),
        {"name": "Sneaky", "platform": "x", "language": "en", "timezone": "UTC"},
    )
    assert created.status_code == 403
    assert client.post(reverse("workspace_rename"), {"name": "Mine now"}).status_code == 403
    assert (
        client.post(reverse("invitation_create"), {"email": "q@example.com", "role": "viewer"})
    ).status_code == 403
    workspace.refresh_from_db()
    assert workspace.name != "Mine now" and not workspace.personas.exists()


def test_admin_manages_members_but_not_owners(workspace, owner, admin_member, teammate):
    client = client_for(admin_member, workspace)
    editor = Membership.objects.get(workspace=workspace, user=teammate)
    assert (
        client.post(reverse("membership_role", args=[editor.pk]), {"role": "viewer"}).status_code
        == 200
    )
    editor.refresh_from_db()
    assert editor.role == Role.VIEWER
    owner_membership = Membership.objects.get(workspace=workspace, user=owner)
    response = client.post(
        reverse("membership_role", args=[owner_membership.pk]), {"role": "editor"}
    )
    assert response.status_code == 403
    invite = client.post(
        reverse("invitation_create"), {"email": "boss@example.com", "role": "owner"}
    )
    assert invite.status_code == 403


def test_the_last_owner_cannot_be_demoted_or_removed(workspace, owner, admin_member):
    client = client_for(owner, workspace)
    mine = Membership.objects.get(workspace=workspace, user=owner)
    team = WorkspaceFactory(created_by=owner)
    team_owner = Membership.objects.get(workspace=team, user=owner)
    response = client.post(reverse("membership_remove", args=[team_owner.pk]))
    assert response.status_code == 422
    response = client.post(reverse("membership_role", args=[mine.pk]), {"role": "editor"})
    assert response.status_code == 422
    assert "at least one owner" in response.content.decode()
    mine.refresh_from_db()
    assert mine.role == Role.OWNER


def test_workspace_switcher_and_new_workspace(owner_client, owner, stranger):
    response = owner_client.post(
        reverse("workspace_new"), {"new-name": "Client: Acme"}, follow=True
    )
    assert "Client: Acme" in response.content.decode()
    acme = Membership.objects.get(user=owner, workspace__name="Client: Acme").workspace
    assert owner_client.session["workspace_id"] == acme.pk
    personal = personal_workspace(owner)
    owner_client.post(reverse("workspace_switch", args=[personal.pk]))
    assert owner_client.session["workspace_id"] == personal.pk
    # Switching into someone else's workspace is a 404 and changes nothing.
    foreign = personal_workspace(stranger)
    assert owner_client.post(reverse("workspace_switch", args=[foreign.pk])).status_code == 404
    assert owner_client.session["workspace_id"] == personal.pk


def test_empty_new_workspace_name_is_a_form_error(owner_client):
    response = owner_client.post(reverse("workspace_new"), {"new-name": ""})
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()


def test_invitee_without_an_account_signs_up_and_lands_on_the_invitation(workspace, owner):
    from django.test import Client

    invitation = InvitationFactory(workspace=workspace, email="new@example.com", invited_by=owner)
    link = reverse("invitation_accept", args=[invitation.token])
    import re

    from django.core import mail

    client = Client()
    client.post(
        f"{reverse('signup')}?next={link}",
        {"email": "new@example.com", "password": "a-long-unusual-passphrase", "next": link},
    )
    confirm = re.search(r"https?://\S+/signup/confirm/\S+/", mail.outbox[-1].body).group(0)
    response = client.get(confirm)
    assert response.url == link
    client.post(link)
    assert Membership.objects.filter(workspace=workspace, user__email="new@example.com").exists()
    # An outside `next` is ignored.
    outsider = Client()
    outsider.post(
        reverse("signup"),
        {
            "email": "x@example.com",
            "password": "a-long-unusual-passphrase",
            "next": "https://evil.example/",
        },
    )
    confirm = re.search(r"https?://\S+/signup/confirm/\S+/", mail.outbox[-1].body).group(0)
    assert outsider.get(confirm).url == reverse("dashboard")
