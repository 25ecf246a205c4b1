"""Families of the apps below the policy (core), registered by model label so the policy
imports no model: the audit log."""

from __future__ import annotations

from .gate import organisations
from .registry import Family, In, register

AUDIT_RULES = {
    "audit.view": In(
        "organisation_id", lambda user: {o.pk for o in organisations(user, "audit.view")}
    ),
}

register(
    Family(
        "audit events",
        ("core.AuditEvent",),
        rules=AUDIT_RULES,
        owner=lambda event: event.organisation,
        related=("organisation",),
    )
)
