"""Each record as JSON, built from what the policy lets the reader see (`policy.redact`,
`policy.visible_fields`): a field the reader may not see is absent, never sent empty. The keys
of an incident or a person are the names of `policy.fields` (plus `id`, and a person's
`incident`), so a test can compare them with `policy.visible_fields`."""

from __future__ import annotations

from passerelle import policy
from passerelle.policy.fields import INCIDENT_FIELDS, PERSON_FIELDS


def _coded(term):
    return None if term is None else {"code": term.code, "label": term.label}


def _area(area):
    return None if area is None else {"pcode": area.pcode, "name": area.name, "level": area.level}


def incident(user, obj, *, audit_reads: bool = True, only=None) -> dict:
    """`only`: the names to build (a list shows level-2 columns: the record's persons and
    history, which `redact` leaves unread until asked, are then never read)."""
    record = policy.redact(user, obj, audit_reads=audit_reads)
    out = {"id": obj.public_id}
    for name in INCIDENT_FIELDS:
        if not record.shows(name) or (only is not None and name not in only):
            continue
        value = getattr(record, name)
        if name == "owner":
            value = value.acronym
        elif name == "recorded_by":
            value = value.get_username() if value is not None else None
        elif name == "area":
            value = _area(value)
        elif name in {"category", "sub_type", "perpetrator", "source_type", "source_reliability"}:
            value = _coded(value)
        elif name == "victim_counts":
            value = [{"sex": c.sex, "age_group": c.age_group.code, "count": c.count} for c in value]
        elif name == "verification_history":
            value = [
                {"from_status": e.from_status, "to_status": e.to_status, "at": e.at, "note": e.note}
                for e in value
            ]
        elif name == "persons":
            value = [p.public_id for p in value]
        elif name in {"latitude", "longitude"}:
            value = None if value is None else str(value)
        out[name] = value
    return out


def consent(obj, person=None) -> dict:
    return {
        "id": obj.public_id,
        "person": (person or obj.person).public_id,
        "scope": obj.scope,
        "given": obj.given,
        "given_at": obj.given_at,
        "withdrawn_at": obj.withdrawn_at,
    }


def person(user, obj, *, audit_reads: bool = True, consents=None) -> dict:
    """`consents`: the person's consents already read for a page (through `policy.scope`),
    used instead of one query per person when the reader may see them."""
    record = policy.redact(user, obj, audit_reads=audit_reads)
    out = {"id": obj.public_id, "incident": obj.incident.public_id}
    for name in PERSON_FIELDS:
        if not record.shows(name):
            continue
        value = getattr(record, name)
        if name in {"age_group", "displacement_status"}:
            value = _coded(value)
        elif name == "consents":
            rows = value if consents is None else consents.get(obj.pk, [])
            value = [consent(c, person=obj) for c in rows]
        out[name] = value
    return out


def disclosure(obj) -> dict:
    return {
        "id": obj.public_id,
        "incident": obj.incident.public_id,
        "reference": obj.incident.reference,
        "owner": obj.owner.acronym,
        "recipient": obj.recipient.acronym,
        "protocol": obj.protocol.reference if obj.protocol_id else None,
        "purpose": obj.purpose,
        "level": obj.level,
        "disclosed_at": obj.created_at,
        "expires_at": obj.expires_at,
        "revoked_at": obj.revoked_at,
    }


def referral(user, obj, *, audit_reads: bool = True) -> dict:
    """A referral as `policy.redact_referral` opens it; the level-1 fields always."""
    values = policy.redact(user, obj, audit_reads=audit_reads)
    shown = values["fields"]
    out = {"id": obj.public_id, "level": values["level"]}
    if "reference" in shown:
        out["reference"] = obj.reference
    if "service" in shown:
        out["service"] = obj.service.public_id if obj.service_id else None
        out["provider"] = obj.provider.acronym
        out["sender"] = obj.sender.acronym
    if "status" in shown:
        out["status"] = obj.status
    if "urgency" in shown:
        out["urgency"] = obj.urgency
    if "dates" in shown:
        for name in (
            "sent_at",
            "acknowledged_at",
            "responded_at",
            "provided_on",
            "closed_at",
            "follow_up_due",
        ):
            out[name] = getattr(obj, name)
    if "sex" in shown:
        out["sex"] = obj.person.sex
        out["age_group"] = _coded(values.get("age_group"))
        out["disability"] = obj.person.disability
        if values.get("age") is not None:
            out["age"] = values["age"]
    if "area" in shown:
        out["area"] = _area(values.get("area"))
    if "need" in shown:
        out["need"] = obj.need.service_type if obj.need_id else None
    for name in ("code", "summary", "provider_note", "full_name", "phone", "address"):
        if name in values:
            out[name] = values[name]
    return out


def service(obj) -> dict:
    return {
        "id": obj.public_id,
        "code": obj.code,
        "name": obj.name,
        "name_en": obj.name_en,
        "provider": obj.provider.acronym,
        "service_type": obj.service_type,
        "description": obj.description,
        "areas": [a.pcode for a in obj.areas.all()],
        "target_groups": obj.target_groups,
        "min_age": obj.min_age,
        "max_age": obj.max_age,
        "languages": obj.languages,
        "hours": obj.hours,
        "location": obj.location,
        "contact_name": obj.contact_name,
        "contact_phone": obj.contact_phone,
        "contact_email": obj.contact_email,
        "capacity": obj.capacity,
        "status": obj.status,
    }


def request(user, obj, *, texts: dict) -> dict:
    out = {
        "id": obj.public_id,
        "reference": obj.reference,
        "kind": obj.kind,
        "asker": obj.asker.acronym,
        "addressee": obj.addressee.acronym,
        "data_category": obj.data_category,
        "level": obj.level,
        "purpose": obj.purpose,
        "area": _area(obj.area),
        "period_start": obj.period_start,
        "period_end": obj.period_end,
        "subject": obj.subject,
        "due_on": obj.due_on,
        "status": obj.status,
        "acknowledged_at": obj.acknowledged_at,
        "answered_at": obj.answered_at,
        "closed_at": obj.closed_at,
        "answer_level": obj.answer_level,
    }
    for name in ("body", "answer"):
        if name in texts:
            out[name] = texts[name]
    return out


def area(obj) -> dict:
    return {
        "pcode": obj.pcode,
        "name_fr": obj.name_fr,
        "name_en": obj.name_en,
        "level": obj.level,
        "parent": obj.parent.pcode if obj.parent_id else None,
    }


def term(obj) -> dict:
    return {
        "vocabulary": obj.vocabulary,
        "code": obj.code,
        "parent": obj.parent.code if obj.parent_id else None,
        "label_fr": obj.label_fr,
        "label_en": obj.label_en,
        "standard": obj.standard,
    }


def cell(c) -> dict:
    return {"value": None if c.suppressed else c.value, "suppressed": c.suppressed}


def aggregate(result) -> dict:
    table = result.table
    return {
        "rows_dimension": result.rows_dim,
        "columns_dimension": result.columns_dim,
        "rows": [str(label) for label in result.row_labels],
        "columns": [str(label) for label in result.column_labels],
        "cells": [[cell(c) for c in line] for line in table.cells],
        "row_totals": [cell(c) for c in table.row_totals],
        "column_totals": [cell(c) for c in table.column_totals],
        "total": cell(table.total),
        "k": result.k,
        "rounding": table.rounding,
        "period": result.period,
        "area_level": result.area_level,
        "date_from": result.date_from,
        "date_to": result.date_to,
        "widened": result.widened,
        "incidents": result.incidents,
        "protocols": [p.reference for p in result.protocols],
    }


def _shown_or_none(c):
    return None if c.suppressed else c.value


def gaps(report) -> dict:
    from passerelle.referrals.gaps import MEASURE_KEYS

    rows = []
    for row in report.rows:
        values = {m: _shown_or_none(row.cell(m)) for m in MEASURE_KEYS}
        values["median_days"] = None if row.median_hidden else row.median_days
        values["needed_missing"] = list(row.needed_missing)
        rows.append({"pcode": row.key, "name": str(row.label), "values": values})
    totals = {m: _shown_or_none(report.total(m)) for m in MEASURE_KEYS}
    totals["median_days"] = None if report.median_hidden else report.median_days
    rows.append({"pcode": "", "name": "total", "values": totals})
    return {"start": report.start, "end": report.end, "rows": rows}
