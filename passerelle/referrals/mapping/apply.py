"""Applying an uploaded file of services: all rows or none.

If any row fails, nothing is applied and `ImportRejected` carries the problems. Otherwise the
rows are applied in one transaction: services are matched by code, created or updated; a row
identical to the service it names writes nothing. Services absent from the file are left as
they are. One "service.import" audit event holds the counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from passerelle import policy
from passerelle.core import audit

from ..models import Service
from .cells import db_text
from .reading import Table, read_table
from .report import ImportRejected
from .validation import validate


@dataclass
class ImportReport:
    created: int
    updated: int
    unchanged: int
    ignored: list[str]

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def _changes(service: Service, values: dict) -> dict:
    changed = {}
    for key, new in values.items():
        if key in ("provider", "receiver"):
            same = getattr(service, f"{key}_id") == (new.pk if new is not None else None)
        elif key == "target_groups":
            same = set(service.target_groups or []) == set(new)
        elif isinstance(new, str):
            same = db_text(getattr(service, key)) == new
        else:
            same = getattr(service, key) == new
        if not same:
            changed[key] = new
    return changed


@audit.service
def import_services(actor, table: Table) -> ImportReport:
    """Apply a table of services, all rows or none (see the module's docstring)."""
    plans, errors = validate(actor, table)
    if errors:
        if any(e.code in ("not_your_provider", "not_your_service") for e in errors):
            policy.audit_refusal(actor, "service.manage", reason="import of other providers")
        policy.record_refusal(
            actor,
            "service.import",
            organisation=audit.home_organisation(actor),
            outcome="invalid",
            level=1,
            detail={"rows": len(table.rows), "errors": len(errors), "format": table.format},
        )
        raise ImportRejected(errors, table)
    created, updated = [], []
    for plan in plans:
        if plan.existing is None:
            service = Service(code=plan.code, **plan.values)
            service.save()
            service.areas.set(plan.areas)
            created.append(plan.code)
            continue
        service = plan.existing
        changed = _changes(service, plan.values)
        areas_changed = {a.pk for a in service.areas.all()} != {a.pk for a in plan.areas}
        if not changed and not areas_changed:
            continue
        for key, value in changed.items():
            setattr(service, key, value)
        service.save()
        if areas_changed:
            service.areas.set(plan.areas)
        updated.append(plan.code)
    report = ImportReport(len(created), len(updated), len(plans) - len(created) - len(updated), [])
    report.ignored = list(table.ignored)
    providers = {plan.values["provider"] for plan in plans}
    concerned = sorted(providers, key=lambda org: org.pk) or [audit.home_organisation(actor)]
    audit.record_each(  # each provider imported for sees the import in its log
        actor,
        "service.import",
        organisations=concerned,
        level=1,
        detail={
            "format": table.format,
            "rows": len(plans),
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "codes_created": created[:200],
            "codes_updated": updated[:200],
        },
    )
    return report


def import_file(actor, data: bytes, filename: str = "") -> ImportReport:
    """Read and apply an uploaded file; raise ImportRejected (audited) on any problem."""
    try:
        table = read_table(data, filename)
    except ImportRejected as exc:
        audit.record(
            actor,
            "service.import",
            organisation=audit.home_organisation(actor),
            outcome="invalid",
            level=1,
            detail={"errors": len(exc.errors), "problem": exc.errors[0].code},
        )
        raise
    return import_services(actor, table)


def may_import(user) -> bool:
    return policy.can(user, "service.manage") or policy.can(user, "servicemap.manage")
