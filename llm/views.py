"""The workspace's own models ("bring your own model"): add, test, order, remove."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.permissions import Action, require
from accounts.selectors import get_object_for
from core.zones import viewer_zone
from llm import services
from llm.forms import ConnectionForm
from llm.models import ModelConnection
from llm.selectors import connections_of


@workspace_view
@sensitive_post_parameters("api_key")
@viewer_zone
def models_page(request: WorkspaceRequest) -> HttpResponse:
    form = ConnectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require(request.membership.role, Action.CONFIGURE)
        if form.is_valid():
            try:
                connection = services.connection_add(
                    workspace=request.workspace, role=request.membership.role, **form.cleaned_data
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, problems in error.message_dict.items():
                        form.add_error(field, problems)
                else:
                    form.add_error(None, error)
            else:
                problem = services.connection_test(
                    connection=connection, role=request.membership.role
                )
                if problem:
                    messages.warning(request, f"Added, but the test call failed: {problem}")
                else:
                    messages.success(request, f"Added {connection.label}: it answered.")
                return redirect("llm_models")
        status = 422
    context = {
        "form": form,
        "connections": connections_of(request.workspace),
    }
    return render(request, "llm/models.html", context, status=status)


def _connection(request: WorkspaceRequest, modelconnection_id: int) -> ModelConnection:
    return get_object_for(
        request.user, ModelConnection, modelconnection_id, action=Action.CONFIGURE
    )


@workspace_view
@require_POST
def connection_test(request: WorkspaceRequest, modelconnection_id: int) -> HttpResponse:
    connection = _connection(request, modelconnection_id)
    problem = services.connection_test(connection=connection, role=connection.user_role)
    if problem:
        messages.error(request, f"{connection.label}: {problem}")
    else:
        messages.success(request, f"{connection.label} answered.")
    return redirect("llm_models")


@workspace_view
@require_POST
def connection_move(request: WorkspaceRequest, modelconnection_id: int) -> HttpResponse:
    connection = _connection(request, modelconnection_id)
    services.connection_move(
        connection=connection, role=connection.user_role, up=request.POST.get("to") == "up"
    )
    return redirect("llm_models")


@workspace_view
@require_POST
def connection_delete(request: WorkspaceRequest, modelconnection_id: int) -> HttpResponse:
    connection = _connection(request, modelconnection_id)
    services.connection_delete(connection=connection, role=connection.user_role)
    messages.success(request, f"Removed {connection.label}.")
    return redirect("llm_models")
