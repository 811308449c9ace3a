from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/confirm/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        views.LimitedPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("settings/", views.workspace_settings, name="workspace_settings"),
    path("account/", views.account_settings, name="account_settings"),
    path("settings/rename/", views.workspace_rename, name="workspace_rename"),
    path("settings/approval/", views.workspace_approval, name="workspace_approval"),
    path("settings/invitations/", views.invitation_create, name="invitation_create"),
    path(
        "settings/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "settings/members/<int:membership_id>/role/", views.membership_role, name="membership_role"
    ),
    path(
        "settings/members/<int:membership_id>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path("workspaces/new/", views.workspace_new, name="workspace_new"),
    path("workspaces/<int:workspace_id>/switch/", views.workspace_switch, name="workspace_switch"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
