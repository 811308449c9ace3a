from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import services, throttle
from accounts.backends import BACKEND
from accounts.forms import (
    ApprovalForm,
    InvitationForm,
    InviteeSignUpForm,
    ProfileForm,
    RoleForm,
    SignUpForm,
    ThrottledAuthenticationForm,
    WorkspaceForm,
)
from accounts.middleware import (
    SignedInRequest,
    WorkspaceRequest,
    set_current_workspace,
    workspace_view,
)
from accounts.models import Invitation, Membership, Role, Workspace
from accounts.permissions import Action, can_assign, require, role_allows
from accounts.selectors import (
    get_object_for,
    invitation_by_token,
    members_of,
    pending_invitations,
)
from core.http import safe_next_url, say_refusal, wants_fragment
from core.zones import viewer_zone


@sensitive_post_parameters("password", "password1", "password2")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignUpForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    if request.method == "POST" and form.is_valid():
        services.signup_request(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            name=form.cleaned_data["name"],
            next_url=safe_next_url(request, ""),
            timezone=form.cleaned_data["timezone"],
        )
        return render(request, "accounts/signup_sent.html", {"email": form.cleaned_data["email"]})
    return render(
        request, "accounts/signup.html", {"form": form, "next": safe_next_url(request, "")}
    )


def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the sign-up mail: creates the account (once) and signs it in."""
    try:
        user, next_url = services.signup_complete(token=token)
    except ValidationError as error:
        say_refusal(request, error)
        return redirect("signup")
    login(request, user, backend=BACKEND)
    messages.success(request, "Welcome to ContentTwin! Your workspace is ready.")
    safe = next_url if url_has_allowed_host_and_scheme(next_url, {request.get_host()}) else ""
    return redirect(safe or "dashboard")


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if getattr(form, "throttled", False):
            response.status_code = 429
        return response


class LimitedPasswordResetView(PasswordResetView):
    """Django's reset page.

    Over the mail limits it answers the same but sends nothing (so it tells no one whether an
    address has an account, and floods no inbox)."""

    template_name = "accounts/password_reset.html"

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        if not throttle.reset_mail_allowed(self.request, form.cleaned_data["email"]):
            return redirect(self.get_success_url())
        return super().form_valid(form)


def _team_context(request: WorkspaceRequest, **extra: object) -> dict[str, object]:
    role = request.membership.role
    context: dict[str, object] = {
        "members": members_of(request.workspace),
        "invitations": pending_invitations(request.workspace),
        "can_manage_members": role_allows(role, Action.MANAGE_MEMBERS),
        "can_manage_workspace": role_allows(role, Action.MANAGE_WORKSPACE),
        "assignable_roles": [(v, label) for v, label in Role.choices if can_assign(role, v)],
        "assignable_role_values": [v for v in Role.values if can_assign(role, v)],
        "invite_form": InvitationForm(),
        "workspace_form": WorkspaceForm(initial={"name": request.workspace.name}),
        "approval_form": ApprovalForm(
            initial={"posts_need_approval": request.workspace.posts_need_approval}
        ),
        "new_workspace_form": WorkspaceForm(prefix="new"),
    }
    context.update(extra)
    return context


def _render_team(request: WorkspaceRequest, status: int = 200, **extra: object) -> HttpResponse:
    template = (
        "accounts/settings.html#team" if wants_fragment(request) else "accounts/settings.html"
    )
    return render(request, template, _team_context(request, **extra), status=status)


@workspace_view
@viewer_zone
def workspace_settings(request: WorkspaceRequest) -> HttpResponse:
    return _render_team(request)


@workspace_view
@require_POST
def workspace_rename(request: WorkspaceRequest) -> HttpResponse:
    require(request.membership.role, Action.MANAGE_WORKSPACE)  # before looking at the form
    form = WorkspaceForm(request.POST)
    if not form.is_valid():
        return _render_team(request, status=422, workspace_form=form)
    services.workspace_rename(
        workspace=request.workspace, role=request.membership.role, name=form.cleaned_data["name"]
    )
    messages.success(request, "Workspace renamed.")
    return redirect("workspace_settings")


@login_required
@sensitive_post_parameters()
@viewer_zone
def account_settings(request: SignedInRequest) -> HttpResponse:
    """The signed-in person's own name, email and password."""
    user = request.user
    profile = ProfileForm(
        initial={"name": user.name, "email": user.email, "timezone": user.timezone},
        prefix="profile",
    )
    password = PasswordChangeForm(user, prefix="password")
    status = 200
    if request.method == "POST" and "profile-email" in request.POST:
        profile = ProfileForm(request.POST, prefix="profile")
        if profile.is_valid():
            try:
                services.user_update_profile(
                    user=user,
                    name=profile.cleaned_data["name"],
                    email=profile.cleaned_data["email"],
                    current_password=profile.cleaned_data["current_password"],
                    timezone=profile.cleaned_data["timezone"],
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    profile.add_error(field, problems)
            else:
                messages.success(request, "Saved.")
                return redirect("account_settings")
        status = 422
    elif request.method == "POST":
        password = PasswordChangeForm(user, request.POST, prefix="password")
        if password.is_valid():
            password.save()
            update_session_auth_hash(request, password.user)  # stay signed in here
            messages.success(request, "Password changed.")
            return redirect("account_settings")
        status = 422
    context = {"profile_form": profile, "password_form": password}
    return render(request, "accounts/account.html", context, status=status)


@workspace_view
@require_POST
def workspace_approval(request: WorkspaceRequest) -> HttpResponse:
    require(request.membership.role, Action.MANAGE_WORKSPACE)
    form = ApprovalForm(request.POST)
    form.is_valid()  # a checkbox: absent means off
    required = bool(form.cleaned_data.get("posts_need_approval"))
    services.workspace_approval_set(
        workspace=request.workspace, role=request.membership.role, required=required
    )
    messages.success(
        request,
        "Editors' posts now wait for approval." if required else "Posts no longer need approval.",
    )
    return redirect("workspace_settings")


@workspace_view
@require_POST
def workspace_new(request: WorkspaceRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST, prefix="new")
    if not form.is_valid():
        return _render_team(request, status=422, new_workspace_form=form)
    workspace = services.workspace_create(user=request.user, name=form.cleaned_data["name"])
    set_current_workspace(request, workspace.pk)
    messages.success(request, f"Created “{workspace.name}”. You are now working in it.")
    return redirect("dashboard")


@workspace_view
@require_POST
def workspace_switch(request: WorkspaceRequest, workspace_id: int) -> HttpResponse:
    workspace = get_object_for(request.user, Workspace, workspace_id)
    set_current_workspace(request, workspace.pk)
    messages.info(request, f"Switched to “{workspace.name}”.")
    return redirect(safe_next_url(request, reverse("dashboard")))


@workspace_view
@require_POST
def invitation_create(request: WorkspaceRequest) -> HttpResponse:
    require(request.membership.role, Action.MANAGE_MEMBERS)  # before looking at the form
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                workspace=request.workspace,
                inviter=request.user,
                inviter_role=request.membership.role,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return _render_team(
                request, invite_link=services.invitation_url(invitation), invited=invitation
            )
    return _render_team(request, status=422, invite_form=form)


@workspace_view
@require_POST
def invitation_revoke(request: WorkspaceRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_for(request.user, Invitation, invitation_id)
    services.invitation_revoke(invitation=invitation, actor_role=invitation.user_role)
    messages.success(request, f"Invitation for {invitation.email} withdrawn.")
    return _render_team(request)


def _membership(request: WorkspaceRequest, membership_id: int) -> Membership:
    return get_object_for(
        request.user, Membership, membership_id, queryset=Membership.objects.select_related("user")
    )


@workspace_view
@require_POST
def membership_role(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    require(membership.user_role, Action.MANAGE_MEMBERS)  # before looking at the form
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the listed roles.")
        return _render_team(request, status=422)
    try:
        services.membership_change_role(
            membership=membership, actor_role=membership.user_role, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        say_refusal(request, error)
        return _render_team(request, status=422)
    messages.success(request, f"{membership.user.email} is now {form.cleaned_data['role']}.")
    return _render_team(request)


@workspace_view
@require_POST
def membership_remove(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    try:
        services.membership_remove(
            membership=membership, actor=request.user, actor_role=membership.user_role
        )
    except ValidationError as error:
        say_refusal(request, error)
        return _render_team(request, status=422)
    if membership.user_id == request.user.pk:
        messages.success(request, f"You left “{membership.workspace.name}”.")
        if request.htmx:
            return HttpResponse(headers={"HX-Redirect": reverse("dashboard")})
        return redirect("dashboard")
    messages.success(request, f"Removed {membership.user.email} from the workspace.")
    return _render_team(request)


@sensitive_post_parameters("password")
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token)
    user = request.user if request.user.is_authenticated else None
    problem = services.invitation_problem(invitation, user)
    new_account = InviteeSignUpForm(
        request.POST if request.method == "POST" and user is None else None,
        email=invitation.email,
    )
    status = 410 if problem else 200
    if request.method == "POST" and problem is None:
        try:
            if user is not None:
                membership = services.invitation_accept(invitation=invitation, user=user)
            elif new_account.is_valid():
                membership = services.invitation_sign_up(
                    invitation=invitation,
                    name=new_account.cleaned_data["name"],
                    password=new_account.cleaned_data["password"],
                    timezone=new_account.cleaned_data["timezone"],
                )
                login(request, membership.user, backend=BACKEND)
            else:
                membership = None
                status = 422
        except ValidationError as error:
            problem, membership, status = " ".join(error.messages), None, 422
        if membership is not None:
            set_current_workspace(request, membership.workspace_id)
            messages.success(request, f"You joined “{invitation.workspace.name}”.")
            return redirect("dashboard")
    return render(
        request,
        "accounts/invitation.html",
        {
            "invitation": invitation,
            "problem": problem,
            "next": request.path,
            "new_account": new_account,
        },
        status=status,
    )
