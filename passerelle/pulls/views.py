"""Server connection pages: the list (with each connection's last result and a "Pull now"
button), the form to add or change one (credentials write-only), and one connection's page
with its last result and the errors of its last pull. Every page needs `import.run`, and a
connection opens only to the holders of `import.run` in its organisation (policy family)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from passerelle import policy
from passerelle.core.errors import DomainError, add_to_form

from . import services
from .forms import ConnectionForm
from .models import ServerConnection

ERRORS_SHOWN = 50


def _connection(request, public_id) -> ServerConnection:
    return policy.get_or_404(request.user, ServerConnection, public_id, "import.run")


@policy.permission("import.run")
def connection_list(request):
    connections = policy.scope(
        request.user,
        ServerConnection.objects.select_related("organisation", "form_version").defer(
            "credentials_sealed"
        ),
        "import.run",
    )
    return render(request, "pulls/list.html", {"connections": connections})


@sensitive_post_parameters("token", "email", "password")
@policy.permission("import.run")
def connection_create(request):
    form = ConnectionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            connection = services.create_connection(
                request.user,
                organisation=form.cleaned_data["organisation"],
                credentials=form.credentials(),
                **form.values(),
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Server connection saved."))
            return redirect("pulls:detail", public_id=connection.public_id)
    return render(request, "pulls/form.html", {"form": form, "connection": None})


@sensitive_post_parameters("token", "email", "password")
@policy.permission("import.run")
def connection_edit(request, public_id):
    connection = _connection(request, public_id)
    form = ConnectionForm(request.POST or None, instance=connection, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_connection(
                request.user,
                connection=ServerConnection.objects.get(pk=connection.pk),
                credentials=form.credentials(),
                restart=bool(form.cleaned_data.get("restart")),
                **form.values(),
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Server connection saved."))
            return redirect("pulls:detail", public_id=connection.public_id)
    return render(request, "pulls/form.html", {"form": form, "connection": connection})


@policy.permission("import.run")
def connection_detail(request, public_id):
    connection = _connection(request, public_id)
    errors = []
    batch = connection.last_batch
    if batch is not None and connection.last_error == "rows":
        errors = batch.errors[:ERRORS_SHOWN]
    return render(
        request,
        "pulls/detail.html",
        {
            "connection": connection,
            "errors": errors,
            "more_errors": batch.error_count - len(errors) if errors else 0,
            "credentials": services.credentials_summary(connection),
        },
    )


@require_POST
@policy.permission("import.run")
def connection_pull(request, public_id):
    connection = _connection(request, public_id)
    services.request_pull(request.user, connection=connection)
    messages.success(
        request,
        _(
            "The pull is queued: the jobs worker runs it within a few seconds. Reload this page "
            "to see its result."
        ),
    )
    return redirect("pulls:detail", public_id=connection.public_id)
