"""Demo data: the demo account, its persona and its posts, through each app's services."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import personal_workspace, user_by_email
from accounts.services import user_set_password, user_sign_up
from calendar_app.selectors import next_free_slot, slots_of
from calendar_app.services import slot_add
from home.demo_posts import DEMO_POSTS, MORE_DEMO_POSTS
from personas.models import Persona
from personas.selectors import persona_named
from personas.services import persona_create
from pillars.selectors import topic_counts
from pillars.services import topics_paste
from posts.rules import check_post
from posts.services import posts_bulk_import
from publishing.models import Platform
from publishing.selectors import accounts_of, publications_of
from publishing.services import account_connect, publication_schedule

DEMO_EMAIL = "demo@contenttwin.local"
DEMO_PASSWORD = "contenttwin-demo"
DEMO_PERSONA = {
    "name": "LinkedIn – founder me",
    "platform": "linkedin",
    "language": "en",
    "timezone": "Europe/Lisbon",
    "description": "Lessons from building a bootstrapped SaaS, for other founders.",
}
# The demo's posting schedule (weekday, local time): Tue and Thu 09:00, Sat 10:30. Its past
# posts went out on it too, so best posting times and the 4-week plan have something to read.
DEMO_SLOTS = ((1, time(9, 0)), (3, time(9, 0)), (5, time(10, 30)))


DEMO_IDEAS = """Why we stopped offering discounts
What a year of weekly posting taught me
The hire I almost didn't make
Pricing pages that answer objections
How we decide which feature requests to build
Raising prices on customers who have been with us for years
Our interview process, step by step
What cancelled customers told us about onboarding
Saying no to meetings without an agenda
The support reply that saved our biggest account"""


@transaction.atomic
def demo_account_ensure() -> tuple[User, Persona]:
    """Create the demo account (or reset its password), its persona and its thirty posts.

    Safe to run on every start."""
    user = user_by_email(DEMO_EMAIL)
    if user is None:
        user = user_sign_up(email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo Creator")
    else:
        user_set_password(user=user, password=DEMO_PASSWORD)
    workspace = personal_workspace(user)
    persona = persona_named(workspace, DEMO_PERSONA["name"]) or persona_create(
        workspace=workspace, role=Role.OWNER, data=DEMO_PERSONA
    )
    now = timezone.now()
    rows = [
        check_post(
            {
                "text": text,
                "posted_at": _on_schedule(now - timedelta(days=days), persona.timezone),
                "impressions": impressions,
                "likes": likes,
                "comments": comments,
                "reposts": reposts,
            },
            platform=persona.platform,
            timezone=persona.timezone,
        ).values
        for text, days, impressions, likes, comments, reposts in DEMO_POSTS + MORE_DEMO_POSTS
    ]
    posts_bulk_import(persona=persona, values=rows)  # skips posts it already has
    if not accounts_of(workspace).exists():  # publishing works offline: a practice timeline
        account_connect(
            workspace=workspace,
            role=Role.OWNER,
            platform=Platform.SANDBOX,
            name="Practice timeline",
        )
    _demo_calendar(user, persona)
    if not topic_counts(persona):  # a few ideas in the inbox, scored by the worker
        topics_paste(persona=persona, role=Role.OWNER, user=user, text=DEMO_IDEAS)
    return user, persona


def _on_schedule(moment: datetime, zone: str) -> datetime:
    """The last demo posting slot at or before `moment`, in the persona's time zone."""
    local = moment.astimezone(ZoneInfo(zone))
    for back in range(8):
        day = local.date() - timedelta(days=back)
        for weekday, at in DEMO_SLOTS:
            slot = datetime.combine(day, at, tzinfo=local.tzinfo)
            if day.weekday() == weekday and slot <= local:
                return slot
    return local


def _demo_calendar(user: User, persona: Persona) -> None:
    """A posting schedule and one waiting post for the practice timeline.

    A posting schedule (Tue and Thu 09:00, Sat 10:30) and one post waiting in the next free
    slot for the practice timeline, so the calendar shows the flow from the first visit."""
    if slots_of(persona):
        return
    for weekday, at in DEMO_SLOTS:
        slot_add(persona=persona, role=Role.OWNER, weekday=weekday, at=at)
    when = next_free_slot(persona)
    if when and not publications_of(persona, limit=1):
        publication_schedule(
            persona=persona,
            role=Role.OWNER,
            user=user,
            text=DEMO_POSTS[0][0],
            scheduled_at=when,
            accounts=list(accounts_of(persona.workspace, usable=True)),
        )
