"""The calendar, drag-to-reschedule, the posting schedule, and scheduling a draft.

The calendar shows a month, a week or a list; a draft goes at a time or in the next free slot."""

from __future__ import annotations

import calendar as month_calendar
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.permissions import Action, require, role_allows
from accounts.selectors import get_object_for
from calendar_app import planning, selectors, services
from calendar_app.forms import CalendarFilterForm, MoveForm, SlotForm
from calendar_app.models import PlannedPost, PlanStatus, PostingSlot
from core.http import render_form, safe_next_url, say_refusal
from generation import selectors as generation_selectors
from generation.models import Variation
from personas.middleware import PersonaRequest, persona_view, show_times_for
from personas.selectors import current_persona, personas_of
from publishing import selectors as publishing_selectors
from publishing import services as publishing_services
from publishing.forms import ScheduleForm
from publishing.models import Publication


def _range(view: str, anchor: date) -> tuple[date, date]:
    if view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=7)
    if view == "list":
        return anchor, anchor + timedelta(days=28)
    first = anchor.replace(day=1)
    last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=7 - last.weekday())
    return start, end


def _navigation(view: str, anchor: date) -> tuple[date, date]:
    if view == "month":
        previous = (anchor.replace(day=1) - timedelta(days=1)).replace(day=1)
        following = (anchor.replace(day=28) + timedelta(days=4)).replace(day=1)
        return previous, following
    step = timedelta(days=7 if view == "week" else 28)
    return anchor - step, anchor + step


@workspace_view
def calendar(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    personas = list(personas_of(workspace))
    accounts = list(publishing_selectors.accounts_of(workspace))
    form = CalendarFilterForm(request.GET, personas=personas, accounts=accounts)
    form.is_valid()  # invalid values are dropped, the rest still filters
    chosen = form.cleaned_data
    view = chosen.get("view") or "month"
    persona = next((p for p in personas if p.pk == chosen.get("persona")), None)
    # Days are the filtered persona's days (or the current persona's).
    shown_in = persona or current_persona(request, workspace)
    if shown_in is not None:
        show_times_for(request, shown_in)
    zone = ZoneInfo(shown_in.timezone if shown_in else "UTC")
    anchor = chosen.get("date") or timezone.localtime(timezone.now(), zone).date()
    start, end = _range(view, anchor)
    by_day = selectors.calendar_days(
        workspace,
        start,
        end,
        zone,
        persona_id=chosen.get("persona"),
        account_id=chosen.get("account"),
        state=chosen.get("status") or "",
        can_edit=role_allows(request.membership.role, Action.EDIT),
    )
    days = [start + timedelta(days=n) for n in range((end - start).days)]
    previous, following = _navigation(view, anchor)
    query = request.GET.copy()
    query.pop("date", None)
    context = {
        "form": form,
        "view": view,
        "anchor": anchor,
        "zone": zone.key,
        "weeks": [
            [(day, by_day.get(day, [])) for day in days[i : i + 7]] for i in range(0, len(days), 7)
        ],
        "days": [(day, by_day.get(day, [])) for day in days if view != "list" or by_day.get(day)],
        "today": timezone.localtime(timezone.now(), zone).date(),
        "has_items": any(by_day.get(day) for day in days),
        "previous": previous,
        "following": following,
        "query": query.urlencode(),
    }
    return render(request, "calendar_app/calendar.html", context)


@workspace_view
@require_POST
def move(request: WorkspaceRequest, publication_id: int) -> HttpResponse:
    """Drop a post on another day (drag and drop; the post's page has a form for the same)."""
    publication = get_object_for(
        request.user,
        Publication,
        publication_id,
        action=Action.EDIT,
        queryset=publishing_selectors.publications_with_persona(),
    )
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That is not a day.")
        return HttpResponse(status=400)
    try:
        services.publication_move(
            publication=publication,
            role=publication.user_role,
            user=request.user,
            day=form.cleaned_data["date"],
        )
    except ValidationError as error:
        say_refusal(request, error)
        return HttpResponse(status=409)
    messages.success(request, f"Moved to {form.cleaned_data['date']:%a %d %b}.")
    return HttpResponse(status=204)


@persona_view()
def slots(request: PersonaRequest) -> HttpResponse:
    """The current persona's posting schedule (weekday × time, in its zone)."""
    persona = request.persona
    form = SlotForm(request.POST or None)
    if request.method == "POST":
        require(request.membership.role, Action.EDIT)
        if form.is_valid():
            try:
                services.slot_add(
                    persona=persona,
                    role=request.membership.role,
                    weekday=form.cleaned_data["weekday"],
                    at=form.cleaned_data["time"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Slot added.")
                return redirect("calendar_slots")
    context = {
        "persona": persona,
        "form": form,
        "slots": selectors.slots_of(persona),
        "next_free": selectors.next_free_slot(persona),
    }
    return render_form(request, "calendar_app/slots.html", context, form=form)


@workspace_view
@require_POST
def slot_delete(request: WorkspaceRequest, postingslot_id: int) -> HttpResponse:
    slot = get_object_for(request.user, PostingSlot, postingslot_id, action=Action.EDIT)
    services.slot_delete(slot=slot, role=slot.user_role)
    messages.success(request, "Slot removed.")
    return redirect("calendar_slots")


@workspace_view
def schedule(request: WorkspaceRequest, variation_id: int) -> HttpResponse:
    """Schedule a draft to connected accounts, at a time or in the next free slot.

    Schedule a draft (as it stands) to one or more connected accounts, at a time or in the
    persona's next free slot."""
    variation = get_object_for(
        request.user,
        Variation,
        variation_id,
        action=Action.EDIT,
        queryset=generation_selectors.variations_with_context(),
    )
    persona = variation.generation.persona
    show_times_for(request, persona)
    next_free = selectors.next_free_slot(persona)
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None and "next_free" in data and next_free:
        local = timezone.localtime(next_free, ZoneInfo(persona.timezone))
        data["when"] = local.strftime("%Y-%m-%dT%H:%M")
    form = ScheduleForm(
        data,
        request.FILES or None,
        initial={"text": variation.text},
        accounts=publishing_selectors.accounts_of(request.workspace, usable=True),
        zone=persona.timezone,
    )
    if data is not None and form.is_valid():
        try:
            publication = publishing_services.publication_schedule(
                persona=persona,
                role=variation.user_role,
                user=request.user,
                text=form.cleaned_data["text"],
                scheduled_at=form.cleaned_data["when"],
                accounts=list(form.cleaned_data["accounts"]),
                images=form.cleaned_data["images"],
                alt_texts=form.alt_text_lines(),
                idea=variation.generation.idea,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            planning.plan_scheduled(
                generation_id=variation.generation_id, publication_id=publication.pk
            )
            if publication.approval == "pending":
                messages.success(request, "Sent for approval: it is scheduled once approved.")
            else:
                messages.success(request, "Scheduled. It will be published at the time you chose.")
            return redirect("publication_detail", publication.pk)
    context = {
        "form": form,
        "variation": variation,
        "persona": persona,
        "next_free": next_free,
        "needs_approval": persona.workspace.posts_need_approval
        and not role_allows(variation.user_role, Action.APPROVE),
    }
    return render_form(request, "calendar_app/schedule.html", context, form=form)


@persona_view()
def plan(request: PersonaRequest) -> HttpResponse:
    """The four-week plan.

    The proposal to accept (all or some), and what was accepted with the progress of its drafts."""
    persona = request.persona
    items = selectors.plan_of(persona)
    proposed = [i for i in items if i.status == PlanStatus.PROPOSED]
    accepted = [i for i in items if i.status in (PlanStatus.ACCEPTED, PlanStatus.SCHEDULED)]
    zone = ZoneInfo(persona.timezone)
    for item in items:  # the time on the page, in the persona's zone
        setattr(item, "local", timezone.localtime(item.scheduled_at, zone))  # noqa: B010
    context = {
        "persona": persona,
        "proposed": proposed,
        "accepted": accepted,
        "writing": any(
            i.generation and i.generation.status in ("queued", "running") for i in accepted
        ),
        "has_slots": bool(selectors.slots_of(persona)),
        "zone": zone.key,
    }
    if request.htmx and request.GET.get("part") == "accepted":
        return render(request, "calendar_app/plan.html#accepted", context)
    return render(request, "calendar_app/plan.html", context)


@persona_view()
@require_POST
def plan_propose(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    try:
        made, free = planning.plan_propose(persona=persona, role=request.membership.role)
    except ValidationError as error:
        say_refusal(request, error)
    else:
        empty = free - len(made)
        messages.success(
            request,
            f"A plan of {len(made)} posts is ready for you to review."
            + (
                f" {empty} of {free} slots stay empty: add ideas, in other pillars too "
                "(the plan never puts three posts of one pillar in a row)."
                if empty
                else ""
            ),
        )
    return redirect("calendar_plan")


@persona_view()
@require_POST
def plan_accept(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    # Exactly what was ticked; "all" comes only from the Accept-all form, which has no boxes.
    if request.POST.get("all") == "1":
        ids = [i.pk for i in selectors.plan_of(persona) if i.status == PlanStatus.PROPOSED]
    else:
        ids = [int(i) for i in request.POST.getlist("planned") if i.isdigit()]
    if not ids:
        messages.error(request, "Tick the posts you want, or accept them all.")
        return redirect("calendar_plan")
    accepted = planning.plan_accept(
        persona=persona, role=request.membership.role, user=request.user, ids=ids
    )
    problems = [a for a in accepted if a.problem]
    messages.success(
        request,
        f"{len(accepted)} posts are on your calendar; their drafts are being written."
        + (f" {len(problems)} could not start: {problems[0].problem}" if problems else ""),
    )
    return redirect("calendar_plan")


@workspace_view
@require_POST
def plan_decline(request: WorkspaceRequest, planned_post_id: int) -> HttpResponse:
    planned = get_object_for(request.user, PlannedPost, planned_post_id, action=Action.EDIT)
    try:
        planning.plan_decline(planned=planned, role=planned.user_role)
    except ValidationError as error:
        say_refusal(request, error)
    else:
        messages.success(request, f"“{planned.title}” is out of the plan.")
    return redirect("calendar_plan")


@persona_view()
def queue(request: PersonaRequest) -> HttpResponse:
    """Next up: the current persona's queue, with reorder, post now and pause.

    Next up: the current persona's coming posts in time order, with the empty slots of its
    posting schedule between them (to one account, or all); reorder, post now, pause."""
    persona = request.persona
    accounts = list(publishing_selectors.accounts_of(request.workspace, usable=True))
    account_id = request.GET.get("account", "")
    account = next((a for a in accounts if str(a.pk) == account_id), None)
    rows = selectors.next_up(persona, account_id=account.pk if account else None)
    context = {
        "persona": persona,
        "accounts": accounts,
        "account": account,
        "rows": rows,
        "paused": [a for a in accounts if a.paused_at],
        "has_slots": bool(selectors.slots_of(persona)),
    }
    return render(request, "calendar_app/queue.html", context)


@workspace_view
@require_POST
def queue_reorder(request: WorkspaceRequest, publication_id: int) -> HttpResponse:
    """Drag (or ↑/↓).

    Trade times with another coming post (`with`), or take an empty slot (`at`, an ISO time)."""
    publication = get_object_for(request.user, Publication, publication_id, action=Action.EDIT)
    role = publication.user_role
    try:
        if request.POST.get("with", "").isdigit():
            other = get_object_for(
                request.user, Publication, int(request.POST["with"]), action=Action.EDIT
            )
            services.queue_swap(publication=publication, other=other, role=role, user=request.user)
            messages.success(request, "Swapped: each post took the other’s time.")
        else:
            at = parse_datetime(request.POST.get("at", ""))
            if at is None or timezone.is_naive(at):
                raise ValidationError("That is not a time.")
            services.queue_move(publication=publication, role=role, user=request.user, at=at)
            messages.success(request, "Moved into that slot.")
    except ValidationError as error:
        say_refusal(request, error)
    return redirect(safe_next_url(request, reverse("queue")))
