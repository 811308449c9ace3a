"""The notification centre and mail.

Who is told what (approvals to approvers, reviews to the author, failed and unconfirmed posts to the
author and the owners, an account to reconnect, a plan limit), the bell and its page, and mail sent
by a worker — never in the request — as each notification or as a daily digest in the reader's own
morning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from notifications import services
from notifications.models import EmailMode, Kind, Notification
from publishing import services as publishing
from publishing.models import Account
from tests.factories import PersonaFactory, UserFactory
from tests.fakes.mastodon_server import running_fake_mastodon
from tests.helpers import client_for
from tests.publishing.flows import run_sweep


def _schedule(persona, user, role, account, text="A post about pricing."):
    return publishing.publication_schedule(
        persona=persona,
        role=role,
        user=user,
        text=text,
        scheduled_at=timezone.now() - timedelta(seconds=1),
        accounts=[account],
    )


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


@pytest.mark.django_db
def test_approvals_go_to_approvers_and_reviews_back_to_the_author(
    owner, workspace, teammate, admin_member, viewer
):
    workspace.posts_need_approval = True
    workspace.save()
    persona = PersonaFactory(workspace=workspace)
    account = Account.objects.create(workspace=workspace, platform="sandbox", name="Practice")
    publication = _schedule(persona, teammate, Role.EDITOR, account)
    assert _kinds(owner) == _kinds(admin_member) == [Kind.APPROVAL_REQUESTED]
    assert _kinds(viewer) == _kinds(teammate) == []
    publishing.publication_send_back(
        publication=publication, role=Role.OWNER, user=owner, comment="Shorter, please."
    )
    told = Notification.objects.get(user=teammate)
    assert told.kind == Kind.SENT_BACK and "Shorter, please." in told.body
    publishing.publication_approve(publication=publication, role=Role.OWNER, user=owner)
    assert sorted(_kinds(teammate)) == sorted([Kind.SENT_BACK, Kind.APPROVED])


@pytest.mark.django_db
def test_a_failed_post_tells_its_author_and_the_owners_once(owner, workspace, teammate):
    persona = PersonaFactory(workspace=workspace)
    with running_fake_mastodon() as mastodon:
        account = publishing.account_connect(
            workspace=workspace,
            role=Role.OWNER,
            platform="mastodon",
            name="@me@example.social",
            base_url=mastodon.base_url,
            access_token="token-1",
        )
        mastodon.max_characters = 100  # the server's own limit, lower than it said before
        _schedule(persona, teammate, Role.EDITOR, account, text="x" * 300)  # Mastodon refuses
        assert run_sweep() == ["dead"]
    assert _kinds(teammate) == _kinds(owner) == [Kind.POST_FAILED]
    failed = Notification.objects.get(user=owner)
    assert "Mastodon answered 422" in failed.body and failed.url.startswith("/publishing/")


@pytest.mark.django_db
def test_an_account_that_needs_reconnecting_is_told_once(owner, workspace, admin_member):
    persona = PersonaFactory(workspace=workspace)
    with running_fake_mastodon() as mastodon:
        account = publishing.account_connect(
            workspace=workspace,
            role=Role.OWNER,
            platform="mastodon",
            name="@me@example.social",
            base_url=mastodon.base_url,
            access_token="revoked",
        )
        mastodon.fail_next.append(
            (403, {"error": "This action is outside the authorized scopes"}, {})
        )
        _schedule(persona, owner, Role.OWNER, account)
        run_sweep()
        _schedule(persona, owner, Role.OWNER, account, text="Another post.")
        run_sweep()
    reconnect = Notification.objects.filter(kind=Kind.ACCOUNT_RECONNECT)
    assert sorted(reconnect.values_list("user__email", flat=True)) == sorted(
        [owner.email, admin_member.email]
    )


@pytest.mark.django_db
def test_the_bell_counts_the_unread_and_the_page_marks_them_read(owner, workspace):
    services.notify(
        workspace=workspace,
        users=[owner],
        kind=Kind.POST_FAILED,
        title="A post to @me failed",
        url="/publishing/",
    )
    services.notify(workspace=workspace, users=[owner], kind=Kind.APPROVED, title="Approved")
    client = client_for(owner, workspace)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert 'aria-label="Notifications, 2 unread"' in dashboard
    page = client.get(reverse("notifications")).content.decode()
    assert "A post to @me failed" in page and "Approved" in page
    first = Notification.objects.get(title="A post to @me failed")
    opened = client.get(reverse("notification_open", args=[first.pk]))
    assert opened.status_code == 302 and opened.url == "/publishing/"
    assert services.unread_count(owner) == 1
    client.post(reverse("notifications_read"))
    assert services.unread_count(owner) == 0
    stranger = UserFactory(email="other@example.com")
    assert (
        client_for(stranger).get(reverse("notification_open", args=[first.pk])).status_code == 404
    )


@pytest.mark.django_db
def test_a_key_tells_an_event_once(owner, workspace):
    for _ in range(3):
        services.notify(
            workspace=workspace, users=[owner], kind=Kind.LIMIT_REACHED, title="Used", key="k:1"
        )
    assert Notification.objects.filter(user=owner).count() == 1


@pytest.mark.django_db(transaction=True)
def test_mail_goes_out_from_a_worker_as_each_or_as_a_morning_digest(settings):
    from celery.contrib.testing.worker import start_worker

    from contentapp.celery import app

    owner = UserFactory(email="boss@example.com", timezone="Asia/Kolkata")
    digest = UserFactory(email="digest@example.com", timezone="America/Phoenix")
    workspace = owner.memberships.get().workspace
    workspace.memberships.create(user=digest, role=Role.ADMIN)
    services.email_mode_set(user=digest, mode=EmailMode.DIGEST)
    mail.outbox.clear()
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        services.notify(
            workspace=workspace,
            users=[owner, digest],
            kind=Kind.POST_UNCONFIRMED,
            title="Check whether a post is on LinkedIn",
            url="/publishing/",
        )
        assert mail.outbox == []  # not in the request: a worker sends it
        for _ in range(100):
            if mail.outbox:
                break
            import time

            time.sleep(0.1)
    assert [m.to for m in mail.outbox] == [["boss@example.com"]]
    assert "Check whether a post is on LinkedIn" in mail.outbox[0].subject
    # Phoenix's 08:00 is 15:00 UTC: the digest goes then, once.
    morning = datetime(2026, 12, 7, 15, 5, tzinfo=UTC)
    assert services.send_digests(now=morning - timedelta(hours=2)) == 0
    assert services.send_digests(now=morning) == 1
    assert services.send_digests(now=morning + timedelta(minutes=30)) == 0
    assert mail.outbox[-1].to == ["digest@example.com"] and "1 thing" in mail.outbox[-1].subject


@pytest.mark.django_db(transaction=True)
def test_a_plan_limit_reached_tells_the_owners_once_though_the_request_rolled_back(settings):
    from celery.contrib.testing.worker import start_worker
    from django.core.exceptions import ValidationError

    from billing.defaults import seed
    from billing.models import CreditPack, Plan
    from contentapp.celery import app
    from personas.services import persona_create

    settings.STRIPE_SECRET_KEY = "sk_test_x"
    seed(Plan, CreditPack)
    owner = UserFactory(email="limits@example.com")
    workspace = owner.memberships.get().workspace
    PersonaFactory(workspace=workspace)  # Free allows one persona
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        for _ in range(2):
            with pytest.raises(ValidationError):
                persona_create(
                    workspace=workspace, role=Role.OWNER, data={"name": "Second", "platform": "x"}
                )
        import time

        for _ in range(100):
            if Notification.objects.filter(user=owner).exists():
                break
            time.sleep(0.1)
    told = Notification.objects.get(user=owner)
    assert told.kind == Kind.LIMIT_REACHED and "1 persona" in told.title


@pytest.mark.django_db
def test_the_bell_counts_once_then_from_the_cache_and_every_change_shows_at_once(
    owner, workspace, django_assert_num_queries
):
    assert services.unread_count(owner) == 0
    with django_assert_num_queries(0):  # every page shows the bell: no count per page
        assert services.unread_count(owner) == 0
    services.notify(workspace=workspace, users=[owner], kind=Kind.APPROVED, title="Approved")
    services.notify(workspace=workspace, users=[owner], kind=Kind.APPROVED, title="Again")
    assert services.unread_count(owner) == 2
    first = Notification.objects.filter(user=owner).first()
    services.mark_read(user=owner, ids=[first.pk])
    assert services.unread_count(owner) == 1
    services.mark_read(user=owner)
    assert services.unread_count(owner) == 0
