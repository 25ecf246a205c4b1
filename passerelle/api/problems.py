"""One error format for the whole API: problem details (RFC 9457), `application/problem+json`.

Every error — 400 (with `errors`, field by field), 401, 403, 404, 405, 406, 415, 429 and 500 —
goes through `exception_handler` (settings.REST_FRAMEWORK["EXCEPTION_HANDLER"]), and `/api/`
paths no view serves answer a 404 in the same format (`not_found`)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from passerelle.core.errors import DomainError, Refused
from passerelle.policy.purposes import ForbiddenPurpose

logger = logging.getLogger("passerelle.api")

CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "urn:passerelle:problem:"


def _titles() -> dict[int, str]:
    return {
        400: _("The request is not valid."),
        401: _("Authentication is needed."),
        403: _("You are not allowed to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        406: _("This format cannot be served."),
        409: _("The request conflicts with the record's state."),
        413: _("The request is too large."),
        415: _("This media type is not supported."),
        429: _("Too many requests: wait before trying again."),
        500: _("Something went wrong on the server."),
    }


def problem(request, status_code: int, *, kind="", detail="", errors=None, headers=None):
    """A problem-details response (RFC 9457): `type` is `about:blank` for a plain HTTP status,
    `urn:passerelle:problem:<kind>` for Passerelle's own kinds (validation, refused,
    forbidden-purpose, two-factor)."""
    body = {
        "type": f"{TYPE_BASE}{kind}" if kind else "about:blank",
        "title": _titles().get(status_code, _("The request failed.")),
        "status": status_code,
        "detail": str(detail) if detail else _titles().get(status_code, ""),
        "instance": request.path if request is not None else "",
    }
    if errors is not None:
        body["errors"] = errors
    response = Response(body, status=status_code, content_type=CONTENT_TYPE, headers=headers)
    return response


def _field_errors(data, prefix: str = "") -> dict:
    """DRF's validation detail as {field: [messages]}: nested fields and list items joined
    with dots (`victim_counts.0.age_group`), "non_field_errors" for the whole body."""
    errors: dict = {}
    if isinstance(data, dict):
        for field, inner in data.items():
            errors.update(_field_errors(inner, f"{prefix}{field}."))
    elif isinstance(data, list) and any(isinstance(m, dict | list) for m in data):
        for i, inner in enumerate(data):
            if inner:
                errors.update(_field_errors(inner, f"{prefix}{i}."))
    else:
        messages = data if isinstance(data, list) else [data]
        errors[prefix.rstrip(".") or "non_field_errors"] = [str(m) for m in messages]
    return errors


def exception_handler(exc, context):
    request = context.get("request")
    headers = {}
    if isinstance(exc, ForbiddenPurpose):  # audited by the policy
        return problem(request, 403, kind="forbidden-purpose", detail=exc.reason)
    if isinstance(exc, Refused):
        return problem(
            request,
            403,
            kind="refused",
            detail=str(exc.message),
            errors={"non_field_errors": [str(r) for r in exc.reasons]},
        )
    if isinstance(exc, DomainError):  # a service's refusal, in the user's language
        if exc.code == "forbidden":
            return problem(request, 403, kind="refused", detail=str(exc.message))
        set_rollback()
        return problem(
            request,
            400,
            kind="validation",
            detail=str(exc.message),
            errors={exc.field or "non_field_errors": [str(exc.message)]},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        set_rollback()
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        if isinstance(exc, exceptions.ValidationError):
            return problem(
                request,
                400,
                kind="validation",
                detail=_("Some values are not valid: see errors."),
                errors=_field_errors(exc.detail),
            )
        code = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else ""
        if code == status.HTTP_404_NOT_FOUND:
            detail = ""  # the same answer for missing and forbidden
        return problem(request, code, detail=detail, headers=headers or None)
    set_rollback()
    logger.exception("API error", exc_info=exc)
    return problem(request, 500)
