from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import limits
from accounts.models import Invitation, Membership, Role, User, Workspace
from accounts.permissions import Action, can_assign, require
from core.crypto import InvalidToken, decrypt, encrypt


@transaction.atomic
def user_sign_up(
    *,
    email: str,
    password: str | None = None,
    name: str = "",
    password_hash: str = "",
    timezone: str = "UTC",
    personal_workspace: bool = True,
) -> User:
    """A new account, with its personal workspace (owned by it) unless it is joining one."""
    user = User.objects.create_user(email=email, password=password, name=name, timezone=timezone)
    if password_hash:
        user.password = password_hash
        user.save(update_fields=["password"])
    if personal_workspace:
        workspace_create(user=user, name=f"{user.get_short_name()}'s workspace", is_personal=True)
    return user


SIGNUP_LINK_HOURS = 24


def signup_request(
    *, email: str, password: str, name: str, next_url: str = "", timezone: str = "UTC"
) -> None:
    """Start a sign-up without telling anyone whether the address has an account.

    Sign-up answers the same whether or not the address has an account, so the page tells
    no one who is a customer: a new address gets a link that creates the account (the
    password travels encrypted in it, hashed); a known one gets a note saying so, with
    links to sign in and to reset the password."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        send_mail(
            "You already have a ContentTwin account",
            "Someone (we hope you) tried to create a ContentTwin account with this address, "
            "which already has one.\n\n"
            f"Sign in: {settings.SITE_URL}{reverse('login')}\n"
            f"Forgot your password? {settings.SITE_URL}{reverse('password_reset')}\n\n"
            "If this was not you, you can ignore this message.",
            None,
            [email],
        )
        return
    payload = {
        "email": email,
        "name": name,
        "password": make_password(password),
        "next": next_url,
        "timezone": timezone,
    }
    link = settings.SITE_URL + reverse("signup_confirm", args=[encrypt(json.dumps(payload))])
    send_mail(
        "Finish creating your ContentTwin account",
        f"Open this link to create your account and sign in:\n\n{link}\n\n"
        f"It works for {SIGNUP_LINK_HOURS} hours. If you did not ask for an account, ignore "
        "this message.",
        None,
        [email],
    )


@transaction.atomic
def signup_complete(*, token: str) -> tuple[User, str]:
    """The account a sign-up link stands for, created on first use; (user, next url).

    Raises ValidationError for a link that is broken, forged or expired."""
    try:
        payload = json.loads(decrypt(token, ttl=SIGNUP_LINK_HOURS * 3600))
    except (InvalidToken, ValueError):
        raise ValidationError(
            "This sign-up link is broken or has expired. Sign up again to get a new one."
        ) from None
    user = User.objects.filter(email__iexact=payload["email"]).first()
    if user is None:
        user = user_sign_up(
            email=payload["email"],
            name=payload["name"],
            password_hash=payload["password"],
            timezone=payload.get("timezone") or "UTC",
        )
    elif user.password != payload["password"]:
        raise ValidationError("This address already has an account: sign in instead.")
    return user, payload.get("next", "")


@transaction.atomic
def workspace_create(*, user: User, name: str, is_personal: bool = False) -> Workspace:
    workspace = Workspace.objects.create(name=name, is_personal=is_personal, created_by=user)
    Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    return workspace


@transaction.atomic
def workspace_rename(*, workspace: Workspace, role: str, name: str) -> Workspace:
    require(role, Action.MANAGE_WORKSPACE)
    workspace.name = name
    workspace.save(update_fields=["name", "updated_at"])
    return workspace


def workspace_approval_set(*, workspace: Workspace, role: str, required: bool) -> Workspace:
    require(role, Action.MANAGE_WORKSPACE)
    workspace.posts_need_approval = required
    workspace.save(update_fields=["posts_need_approval", "updated_at"])
    return workspace


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[invitation.token])


@transaction.atomic
def invitation_create(
    *, workspace: Workspace, inviter: User, inviter_role: str, email: str, role: str
) -> Invitation:
    require(inviter_role, Action.MANAGE_MEMBERS)
    if not can_assign(inviter_role, role):
        raise PermissionDenied("Only an owner can invite another owner.")
    email = email.strip().lower()
    if workspace.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError(f"{email} is already a member of this workspace.")
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                workspace=workspace, email=email, role=role, invited_by=inviter
            )
    except IntegrityError:
        raise ValidationError(f"{email} already has a pending invitation.") from None
    link = invitation_url(invitation)
    transaction.on_commit(
        lambda: send_mail(
            subject=f"{inviter.get_full_name()} invited you to {workspace.name} on ContentTwin",
            message=(
                f"{inviter.get_full_name()} invited you to join the workspace "
                f'"{workspace.name}" as {invitation.get_role_display().lower()}.\n\n'
                f"Accept the invitation: {link}\n\n"
                f"The link works for {settings.INVITATION_MAX_AGE_DAYS} days."
            ),
            from_email=None,
            recipient_list=[email],
        )
    )
    return invitation


def invitation_problem(invitation: Invitation, user: User | None) -> str | None:
    """Why this invitation cannot be accepted (by this user), or None when it can."""
    if invitation.revoked_at is not None:
        return "This invitation was withdrawn. Ask the workspace owner for a new one."
    if invitation.accepted_at is not None:
        return "This invitation has already been used."
    if invitation.created_at < timezone.now() - timedelta(days=settings.INVITATION_MAX_AGE_DAYS):
        return "This invitation has expired. Ask the workspace owner for a new one."
    if user is not None and user.email.lower() != invitation.email.lower():
        return (
            f"This invitation is for {invitation.email}, but you are signed in as {user.email}. "
            "Sign out and sign in with the invited address."
        )
    return None


@transaction.atomic
def invitation_sign_up(
    *, invitation: Invitation, name: str, password: str, timezone: str = "UTC"
) -> Membership:
    """An account for the invited address, made from the invitation link.

    An account for the invited address, straight from the invitation link (which already
    proves the address: no confirmation mail), joined to the workspace and nothing else (no
    personal workspace: the invitee makes one if they want it)."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if problem := invitation_problem(invitation, None):
        raise ValidationError(problem)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(f"{invitation.email} already has an account: sign in to accept.")
    user = user_sign_up(
        email=invitation.email,
        password=password,
        name=name,
        timezone=timezone,
        personal_workspace=False,
    )
    return invitation_accept(invitation=invitation, user=user)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    # Lock the row so two clicks on the same link cannot create two memberships.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    problem = invitation_problem(invitation, user)
    if problem:
        raise ValidationError(problem)
    if not Membership.objects.filter(workspace_id=invitation.workspace_id, user=user).exists():
        members = Membership.objects.filter(workspace_id=invitation.workspace_id).count()
        limits.check("seats", invitation.workspace_id, members)
    membership, _ = Membership.objects.get_or_create(
        workspace_id=invitation.workspace_id, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor_role: str) -> Invitation:
    require(actor_role, Action.MANAGE_MEMBERS)
    if invitation.is_pending:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


def _other_owner_exists(membership: Membership) -> bool:
    return (
        Membership.objects.filter(workspace_id=membership.workspace_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_change_role(*, membership: Membership, actor_role: str, role: str) -> Membership:
    require(actor_role, Action.MANAGE_MEMBERS)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not (can_assign(actor_role, membership.role) and can_assign(actor_role, role)):
        raise PermissionDenied("Only an owner can change an owner or make someone an owner.")
    if membership.role == Role.OWNER and role != Role.OWNER and not _other_owner_exists(membership):
        raise ValidationError(
            "A workspace needs at least one owner. Make someone else owner first."
        )
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User, actor_role: str) -> None:
    leaving_self = membership.user_id == actor.pk
    if not leaving_self:
        require(actor_role, Action.MANAGE_MEMBERS)
        if not can_assign(actor_role, membership.role):
            raise PermissionDenied("Only an owner can remove an owner.")
    if membership.role == Role.OWNER and not _other_owner_exists(membership):
        raise ValidationError(
            "A workspace needs at least one owner. Make someone else owner first."
        )
    if leaving_self and membership.workspace.is_personal:
        raise ValidationError("You cannot leave your personal workspace.")
    membership.delete()


def user_lock(user: User) -> None:
    """Serialise per-user checks (limits) until the current transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("user_lock() needs a transaction to hold the lock in.")
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()


def workspace_lock(workspace: Workspace | int) -> None:
    """Serialise per-workspace checks (a plan's monthly allowance) until the transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("workspace_lock() needs a transaction to hold the lock in.")
    pk = workspace.pk if isinstance(workspace, Workspace) else workspace
    Workspace.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).first()


@transaction.atomic
@transaction.atomic
def user_update_profile(
    *, user: User, name: str, email: str, current_password: str, timezone: str = ""
) -> User:
    """A new name, email and/or zone.

    Changing the email needs the current password and an address nobody else uses."""
    email = User.objects.normalize_email(email).strip()
    if email.lower() != user.email.lower():
        if not user.check_password(current_password):
            raise ValidationError({"current_password": "That is not your current password."})
        if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            raise ValidationError({"email": "Another account uses that address."})
    user.name, user.email = name.strip(), email
    user.timezone = timezone or user.timezone
    user.save(update_fields=["name", "email", "timezone"])
    return user


def user_set_password(*, user: User, password: str) -> User:
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
