"""The calendar as a creator uses it.

A posting schedule and "next free slot", month / week / list views with each post's per-account
status, moving a post to another day (the same local time, across DST), edits that replace what is
not sent yet, and approvals."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calendar_app import selectors
from calendar_app.models import PostingSlot
from publishing import services
from publishing.models import Account, Approval, Publication, Target, TargetState
from tests.factories import PersonaFactory, VariationFactory
from tests.helpers import client_for
from tests.publishing.flows import run_sweep

pytestmark = pytest.mark.django_db
LISBON = ZoneInfo("Europe/Lisbon")


@pytest.fixture
def sandbox(workspace):
    return services.account_connect(
        workspace=workspace, role="owner", platform="sandbox", name="Practice timeline"
    )


def _schedule(persona, account, when, *, role="owner", text="A post about pricing.", user=None):
    return services.publication_schedule(
        persona=persona, role=role, user=user, text=text, scheduled_at=when, accounts=[account]
    )


# --- Posting schedule and next free slot -----------------------------------------------------


def test_next_free_slot_skips_taken_slots_in_the_personas_zone(persona, sandbox):
    PostingSlot.objects.create(persona=persona, weekday=1, time=time(9, 0))  # Tuesday 09:00
    PostingSlot.objects.create(persona=persona, weekday=3, time=time(18, 30))  # Thursday
    monday = datetime(2027, 3, 1, 12, 0, tzinfo=LISBON)
    first = selectors.next_free_slot(persona, after=monday)
    assert first == datetime(2027, 3, 2, 9, 0, tzinfo=LISBON)
    _schedule(persona, sandbox, first)  # taken now
    assert selectors.next_free_slot(persona, after=monday) == datetime(
        2027, 3, 4, 18, 30, tzinfo=LISBON
    )


def test_a_slot_in_the_hour_clocks_skip_moves_to_the_next_real_time(persona):
    persona.timezone = "Europe/Lisbon"
    PostingSlot.objects.create(persona=persona, weekday=6, time=time(1, 30))  # Sunday 01:30
    # 28 March 2027: Lisbon jumps from 01:00 to 02:00; 01:30 does not exist that day.
    moment = selectors.next_free_slot(persona, after=datetime(2027, 3, 27, 12, tzinfo=UTC))
    assert moment.astimezone(LISBON).strftime("%H:%M") == "02:30"
    assert moment.astimezone(UTC).strftime("%H:%M") == "01:30"


def test_schedule_page_puts_a_draft_in_the_next_free_slot(owner_client, persona, sandbox):
    PostingSlot.objects.create(persona=persona, weekday=2, time=time(8, 15))
    draft = VariationFactory(generation__persona=persona, status="accepted")
    page = owner_client.get(reverse("publishing_schedule", args=[draft.pk])).content.decode()
    assert "Next free slot:" in page
    response = owner_client.post(
        reverse("publishing_schedule", args=[draft.pk]),
        {"text": draft.text, "when": "", "accounts": [sandbox.pk], "next_free": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:400]
    local = Publication.objects.get().scheduled_at.astimezone(LISBON)
    assert (local.weekday(), local.strftime("%H:%M")) == (2, "08:15")


def test_slots_page_adds_and_refuses_a_duplicate(owner_client, persona):
    url = reverse("calendar_slots")
    assert owner_client.post(url, {"weekday": "4", "time": "07:45"}).status_code == 302
    again = owner_client.post(url, {"weekday": "4", "time": "07:45"})
    assert again.status_code == 422 and "already in the schedule" in again.content.decode()
    page = owner_client.get(url).content.decode()
    assert "Friday 07:45" in page and "Next free slot" in page


# --- Views -----------------------------------------------------------------------------------


def test_month_week_and_list_show_each_post_with_its_account_status(owner_client, persona, sandbox):
    when = timezone.now() + timedelta(days=1)
    publication = _schedule(persona, sandbox, when, text="Tomorrow's post on pricing.")
    day = when.astimezone(LISBON).date().isoformat()
    for view in ("month", "week", "list"):
        page = owner_client.get(reverse("calendar"), {"view": view, "date": day}).content.decode()
        assert "Tomorrow&#x27;s post on pricing." in page or "Tomorrow's post" in page, view
        assert "Practice timeline: Scheduled" in page, view
        assert reverse("publication_detail", args=[publication.pk]) in page
    month = owner_client.get(reverse("calendar"), {"date": day}).content.decode()
    assert f'data-date="{day}"' in month and 'draggable="true"' in month


def test_filters_by_status_persona_and_account(owner_client, workspace, persona, sandbox):
    other = PersonaFactory(workspace=workspace, name="Other voice")
    when = timezone.now() + timedelta(hours=3)
    _schedule(persona, sandbox, when, text="Mine, still scheduled.")
    failed = _schedule(other, sandbox, when, text="Theirs, failed.")
    failed.targets.update(state=TargetState.DEAD)
    day = when.astimezone(LISBON).date().isoformat()
    page = owner_client.get(reverse("calendar"), {"date": day, "status": "dead"}).content.decode()
    assert "Theirs, failed." in page and "Mine, still scheduled." not in page
    page = owner_client.get(reverse("calendar"), {"date": day, "persona": persona.pk}).content
    assert b"Mine, still scheduled." in page and b"Theirs, failed." not in page


def test_the_calendar_costs_the_same_queries_for_5_or_60_posts(owner_client, persona, sandbox):
    start = timezone.now() + timedelta(hours=1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            owner_client.get(reverse("calendar"), {"view": "list"})
        return len(captured)

    for n in range(5):
        _schedule(persona, sandbox, start + timedelta(hours=n))
    queries()  # once first: from then on the bell's count is read from the cache
    few = queries()
    for n in range(5, 60):
        _schedule(persona, sandbox, start + timedelta(hours=n))
    assert queries() == few


def test_another_workspace_sees_none_of_it(persona, sandbox, stranger):
    from tests.helpers import personal_workspace

    _schedule(persona, sandbox, timezone.now() + timedelta(hours=2), text="Private plans.")
    client = client_for(stranger, personal_workspace(stranger))
    page = client.get(reverse("calendar"), {"view": "list"}).content.decode()
    assert "Private plans." not in page


# --- Moving and editing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "drop_on", "utc_after"),
    [
        ("2027-03-26 09:00", "2027-03-29", "08:00"),  # across the spring change: 09:00 stays
        ("2027-10-29 09:00", "2027-11-01", "09:00"),  # across the autumn change
    ],
)
def test_dragging_to_another_day_keeps_the_local_time(
    owner_client, persona, sandbox, start, drop_on, utc_after
):
    when = datetime.strptime(start, "%Y-%m-%d %H:%M").replace(tzinfo=LISBON)
    publication = _schedule(persona, sandbox, when)
    response = owner_client.post(reverse("calendar_move", args=[publication.pk]), {"date": drop_on})
    assert response.status_code == 204
    publication.refresh_from_db()
    assert publication.scheduled_at.astimezone(LISBON).strftime("%Y-%m-%d %H:%M") == (
        f"{drop_on} 09:00"
    )
    assert publication.scheduled_at.astimezone(UTC).strftime("%H:%M") == utc_after
    target = publication.targets.get()
    assert target.due_at == publication.scheduled_at  # the scheduler follows
    assert "rescheduled" in [e.action for e in publication.events.all()]


def test_a_published_post_cannot_be_moved_or_edited(owner_client, persona, sandbox):
    publication = _schedule(persona, sandbox, timezone.now() - timedelta(seconds=1))
    assert run_sweep() == ["published"]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = owner_client.post(
        reverse("calendar_move", args=[publication.pk]), {"date": tomorrow}
    )
    assert response.status_code == 409
    edit = owner_client.post(
        reverse("publication_detail", args=[publication.pk]),
        {"text": "Changed", "when": "2030-01-01T09:00"},
    )
    assert edit.status_code == 422 and "already out" in edit.content.decode()


def test_an_edit_replaces_unsent_targets_and_is_refused_once_claimed(persona, sandbox):
    publication = _schedule(persona, sandbox, timezone.now() + timedelta(hours=1))
    target = publication.targets.get()
    old_key = target.idempotency_key
    services.publication_edit(publication=publication, role="owner", user=None, text="New text")
    target.refresh_from_db()
    assert target.idempotency_key != old_key  # new content: a new post, never the old one
    Target.objects.filter(pk=target.pk).update(state=TargetState.CLAIMED)
    with pytest.raises(Exception, match="being published right now"):
        services.publication_edit(publication=publication, role="owner", user=None, text="Again")


def test_cancelling_a_post_means_it_never_goes_out(owner_client, persona, sandbox):
    publication = _schedule(persona, sandbox, timezone.now() - timedelta(seconds=1))
    owner_client.post(reverse("publication_cancel", args=[publication.pk]))
    assert run_sweep() == [] and not sandbox.sandbox_posts.exists()


# --- Approvals -------------------------------------------------------------------------------


def test_approval_round_trip_with_its_activity_log(
    workspace, persona, sandbox, owner, teammate, admin_member
):
    owner_client = client_for(owner, workspace)
    owner_client.post(reverse("workspace_approval"), {"posts_need_approval": "on"})
    workspace.refresh_from_db()
    assert workspace.posts_need_approval
    editor = client_for(teammate, workspace)
    draft = VariationFactory(generation__persona=persona, status="accepted")
    soon = (timezone.now() + timedelta(minutes=5)).astimezone(LISBON)
    response = editor.post(
        reverse("publishing_schedule", args=[draft.pk]),
        {"text": draft.text, "when": soon.strftime("%Y-%m-%dT%H:%M"), "accounts": [sandbox.pk]},
    )
    publication = Publication.objects.get()
    assert response.status_code == 302 and publication.approval == Approval.PENDING
    Target.objects.update(due_at=timezone.now())
    assert run_sweep() == []  # waiting for approval: the scheduler leaves it alone
    # An editor cannot approve their own post.
    assert editor.post(
        reverse("publication_review", args=[publication.pk]), {"decision": "approve"}
    ).status_code in (403, 404)
    admin = client_for(admin_member, workspace)
    admin.post(
        reverse("publication_review", args=[publication.pk]),
        {"decision": "send_back", "comment": "Shorter opening, please."},
    )
    publication.refresh_from_db()
    assert publication.approval == Approval.SENT_BACK
    page = editor.get(reverse("publication_detail", args=[publication.pk])).content.decode()
    assert "Shorter opening, please." in page
    editor.post(
        reverse("publication_detail", args=[publication.pk]),
        {"text": "Short opening.", "when": soon.strftime("%Y-%m-%dT%H:%M")},
    )
    publication.refresh_from_db()
    assert publication.approval == Approval.PENDING and publication.text == "Short opening."
    admin.post(reverse("publication_review", args=[publication.pk]), {"decision": "approve"})
    publication.refresh_from_db()
    assert publication.approval == Approval.APPROVED
    Target.objects.update(due_at=timezone.now())
    assert run_sweep() == ["published"]
    log = [(e.actor_id, e.action) for e in publication.events.all()]
    assert log == [
        (teammate.pk, "submitted for approval"),
        (admin_member.pk, "sent back"),
        (teammate.pk, "edited"),
        (admin_member.pk, "approved"),
        (None, "published"),
    ]
    page = admin.get(reverse("publication_detail", args=[publication.pk])).content.decode()
    assert "ContentTwin</strong> published" in page


def test_owners_posts_need_no_approval(workspace, persona, sandbox):
    workspace.posts_need_approval = True
    workspace.save()
    publication = _schedule(persona, sandbox, timezone.now() + timedelta(hours=1))
    assert publication.approval == Approval.NOT_NEEDED
    assert publication.targets.get().state == TargetState.SCHEDULED


def test_sending_back_needs_a_comment(workspace, persona, sandbox):
    workspace.posts_need_approval = True
    workspace.save()
    publication = _schedule(persona, sandbox, timezone.now() + timedelta(hours=1), role="editor")
    with pytest.raises(Exception, match="Say what should change"):
        services.publication_send_back(
            publication=publication, role="admin", user=None, comment=" "
        )


def test_platform_limits_are_counted_the_platforms_way(workspace):
    from publishing.forms import platform_problem

    def account(platform):
        return Account(workspace=workspace, platform=platform, name=platform)

    assert platform_problem(account("x"), "a" * 280) == ""
    assert "281" in platform_problem(account("x"), "a" * 281)
    assert "X allows 280 weighted characters; this post has 282" in platform_problem(
        account("x"), "日" * 141
    )
    assert platform_problem(account("x"), "see https://example.com/" + "p" * 300) == ""
    assert platform_problem(account("bluesky"), "👍🏽" * 300) == ""  # graphemes, not code points
    assert "301" in platform_problem(account("bluesky"), "a" * 301)
    assert platform_problem(account("linkedin"), "a" * 3000) == ""
    assert "Threads allows 500" in platform_problem(account("threads"), "a" * 501)


def test_a_viewer_elsewhere_cannot_edit_a_post_there_from_their_own_workspace(
    persona, sandbox, viewer
):
    """The role that counts is the one in the post's workspace, not the switched-to one."""
    from accounts.services import workspace_create

    publication = _schedule(persona, sandbox, timezone.now() + timedelta(hours=2))
    own = workspace_create(user=viewer, name="Viewer's own")
    client = client_for(viewer, own)  # the viewer owns this one
    url = reverse("publication_detail", args=[publication.pk])
    assert client.get(url).status_code == 200  # a viewer may look
    response = client.post(url, {"text": "Hijacked", "when": "2031-01-01T09:00"})
    assert response.status_code == 403
    publication.refresh_from_db()
    assert publication.text != "Hijacked"


def test_saving_a_post_unchanged_changes_nothing(owner_client, persona, sandbox):
    """Browsers send line breaks as CRLF: the same text is not an edit (no new key, no log)."""
    publication = _schedule(persona, sandbox, timezone.now() + timedelta(hours=2), text="a\nb")
    key = publication.targets.get().idempotency_key
    local = publication.scheduled_at.astimezone(LISBON).strftime("%Y-%m-%dT%H:%M")
    owner_client.post(
        reverse("publication_detail", args=[publication.pk]), {"text": "a\r\nb", "when": local}
    )
    assert publication.targets.get().idempotency_key == key
    assert [e.action for e in publication.events.all()] == ["scheduled"]


def test_an_idea_is_published_when_the_post_written_for_it_goes_out(owner_client, persona, sandbox):
    from pillars.models import Topic, TopicStatus

    idea = Topic.objects.create(persona=persona, title="Why we raised prices", status="drafted")
    draft = VariationFactory(generation__persona=persona, generation__idea=idea, status="accepted")
    soon = (timezone.now() + timedelta(minutes=10)).astimezone(LISBON)
    response = owner_client.post(
        reverse("publishing_schedule", args=[draft.pk]),
        {"text": draft.text, "when": soon.strftime("%Y-%m-%dT%H:%M"), "accounts": [sandbox.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:400]
    assert Publication.objects.get().idea_id == idea.pk
    idea.refresh_from_db()
    assert idea.status == TopicStatus.DRAFTED  # scheduled is not out yet
    Target.objects.update(due_at=timezone.now() - timedelta(seconds=1))
    assert run_sweep() == ["published"]
    idea.refresh_from_db()
    assert idea.status == TopicStatus.PUBLISHED
