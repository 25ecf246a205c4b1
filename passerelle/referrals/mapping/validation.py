"""Checking every cell of every row of a `Table` before anything is applied.

Every problem is collected (row, column, value, message); an optional column left out of
the file leaves that field of existing services as it is, and the checks take it into
account. Holders of `servicemap.manage` may import any provider's services; holders of
`service.manage` only those of their own organisations (other rows are errors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation

from passerelle import policy
from passerelle.accounts.models import Membership, Organisation, User
from passerelle.geography.models import Area

from ..models import Service, ServiceType, TargetGroup
from .cells import norm
from .columns import BY_KEY, TEXT_FIELDS
from .reading import Table
from .report import CellError

MAX_AGE = 120
MAX_CAPACITY = 2_147_483_647


def _choice_lookup(choices) -> dict[str, str]:
    """Normalised code, English label and French label -> code."""
    found = {}
    for value, label in choices:
        found[norm(value)] = value
        for language in ("en", "fr"):
            with translation.override(language):
                found.setdefault(norm(label), value)
    return found


class _Bad(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class _Plan:
    row: int
    code: str
    existing: Service | None
    values: dict
    areas: list


class _Context:
    """Everything the rows are checked against, loaded once."""

    def __init__(self, actor, table: Table):
        index = {key: i for i, key in table.columns.items()}

        def cells_of(key):
            i = index.get(key)
            return {c[i].strip() for _n, c in table.rows if i is not None and i < len(c)}

        self.manage_all = policy.can(actor, "servicemap.manage")
        self.mine = {o.pk for o in policy.organisations(actor, "service.manage")}
        self.orgs = {}
        for org in Organisation.objects.all():
            self.orgs.setdefault(org.acronym.casefold(), org)
            self.orgs[org.acronym] = org
        self.areas = {a.pcode.upper(): a for a in Area.objects.all()}
        self.existing = {
            s.code: s
            for s in Service.objects.filter(code__in=cells_of("code"))
            .select_related("provider", "receiver")
            .prefetch_related("areas")
        }
        self.users = {u.username: u for u in User.objects.filter(username__in=cells_of("receiver"))}
        receivers = {u.pk for u in self.users.values()}
        receivers |= {s.receiver_id for s in self.existing.values() if s.receiver_id}
        self.receives = {}  # user id -> organisation ids for which they answer referrals
        answering = policy.roles_holding("referral.respond")
        for m in Membership.objects.filter(user_id__in=receivers, active=True, role__in=answering):
            self.receives.setdefault(m.user_id, set()).add(m.organisation_id)
        self.types = _choice_lookup(ServiceType.choices)
        self.groups = _choice_lookup(TargetGroup.choices)
        self.statuses = _choice_lookup(Service.Status.choices)


def _limit(key: str) -> int | None:
    return Service._meta.get_field(key).max_length


def _integer(text: str) -> int:
    if not re.fullmatch(r"[+-]?\d{1,12}(\.0*)?", text):
        raise _Bad("not_integer", value=text)
    return int(text.split(".")[0])


def _split(text: str, pattern=r"[;,\n]+") -> list[str]:
    return [part.strip() for part in re.split(pattern, text) if part.strip()]


def _parse(ctx: _Context, key: str, text: str):
    """The model value of one cell, or _Bad."""
    if key == "code":
        if not text.isprintable():
            raise _Bad("bad_code")
        if len(text) > _limit("code"):
            raise _Bad("too_long", limit=_limit("code"))
        return text
    if key in TEXT_FIELDS:
        limit = _limit(key)
        if limit and len(text) > limit:
            raise _Bad("too_long", limit=limit)
        return text
    if key == "provider":
        org = ctx.orgs.get(text) or ctx.orgs.get(text.casefold())
        if org is None:
            raise _Bad("unknown_provider", value=text)
        if not org.active:
            raise _Bad("inactive_provider", org=org.acronym)
        return org
    if key == "service_type":
        if norm(text) not in ctx.types:
            raise _Bad("unknown_type", value=text)
        return ctx.types[norm(text)]
    if key == "areas":
        codes = list(dict.fromkeys(p.upper() for p in _split(text, r"[;,\s]+")))
        unknown = [p for p in codes if p not in ctx.areas]
        if unknown:
            raise _Bad("unknown_area", value="; ".join(unknown))
        if not codes:
            raise _Bad("required")
        return [ctx.areas[p] for p in codes]
    if key == "target_groups":
        parts = _split(text)
        unknown = [p for p in parts if norm(p) not in ctx.groups]
        if unknown:
            raise _Bad("unknown_group", value="; ".join(unknown))
        if not parts:
            raise _Bad("required")
        return list(dict.fromkeys(ctx.groups[norm(p)] for p in parts))
    if key in ("min_age", "max_age"):
        if not text:
            return None
        age = _integer(text)
        if not 0 <= age <= MAX_AGE:
            raise _Bad("age_range")
        return age
    if key == "capacity":
        if not text:
            return None
        number = _integer(text)
        if not 0 <= number <= MAX_CAPACITY:
            raise _Bad("capacity_range")
        return number
    if key == "contact_email":
        if text:
            try:
                validate_email(text)
            except ValidationError as exc:
                raise _Bad("email", value=text) from exc
        return text
    if key == "status":
        if not text:
            return Service.Status.ACTIVE
        if norm(text) not in ctx.statuses:
            raise _Bad("unknown_status", value=text)
        return ctx.statuses[norm(text)]
    if key == "receiver":
        if not text:
            return None
        user = ctx.users.get(text)
        if user is None:
            raise _Bad("unknown_receiver", value=text)
        return user
    raise AssertionError(key)  # pragma: no cover


def _check_row(ctx: _Context, table: Table, number: int, cells: list[str]):
    """Check one row: (the plan, or None, and the row's problems)."""
    values, problems, texts = {}, [], {}
    for index, key in table.columns.items():
        text = texts[key] = cells[index].strip() if index < len(cells) else ""
        if not text and BY_KEY[key].required:
            problems.append(CellError(number, key, text, "required"))
            continue
        try:
            values[key] = _parse(ctx, key, text)
        except _Bad as bad:
            problems.append(CellError(number, key, text, bad.code, bad.params))
    existing = ctx.existing.get(values.get("code"))

    def now(key):  # the value the service will have: from the file, or as it is
        if key in texts or existing is None:
            return values.get(key)
        return getattr(existing, key)

    low, high = now("min_age"), now("max_age")
    if low is not None and high is not None and low > high:
        where = "max_age" if "max_age" in texts else "min_age"
        params = {"min": low, "max": high}
        problems.append(CellError(number, where, texts.get(where, ""), "age_order", params))
    provider, receiver = values.get("provider"), now("receiver")
    if provider is not None and receiver is not None:
        if not receiver.is_active or provider.pk not in ctx.receives.get(receiver.pk, ()):
            where = "receiver" if "receiver" in texts else "provider"
            params = {"user": receiver.username, "org": provider.acronym}
            problems.append(
                CellError(number, where, texts.get(where, ""), "receiver_not_allowed", params)
            )
    if provider is not None and not ctx.manage_all and provider.pk not in ctx.mine:
        params = {"org": provider.acronym}
        problems.append(
            CellError(number, "provider", texts["provider"], "not_your_provider", params)
        )
    if existing is not None and not ctx.manage_all and existing.provider_id not in ctx.mine:
        params = {"code": existing.code, "org": existing.provider.acronym}
        problems.append(CellError(number, "code", existing.code, "not_your_service", params))
    if not problems:
        problems = _model_check(number, existing, values)
    if problems:
        return None, problems
    code, areas = values.pop("code"), values.pop("areas")
    return _Plan(number, code, existing, values, areas), []


def _model_check(number: int, existing, values: dict) -> list[CellError]:
    """The model's own field validation, as a last safety net."""
    merged = {}
    if existing is not None:
        merged = {k: getattr(existing, k) for k in BY_KEY if k not in ("provider", "receiver")}
        merged.pop("areas", None)
    merged.update({k: v for k, v in values.items() if k not in ("areas", "provider", "receiver")})
    merged.pop("code", None)
    candidate = Service(code=values.get("code") or "", **merged)
    try:
        candidate.clean_fields(exclude=["provider", "receiver"])
    except ValidationError as exc:
        return [
            CellError(
                number,
                key,
                "",
                "invalid",
                {"detail": " ".join(str(m) for m in messages)},
            )
            for key, messages in exc.message_dict.items()
        ]
    return []


def validate(actor, table: Table) -> tuple[list[_Plan], list[CellError]]:
    """Check every cell of every row; return the plan and every problem found."""
    ctx = _Context(actor, table)
    index = next(i for i, key in table.columns.items() if key == "code")
    plans, errors, first_row = [], [], {}
    for number, cells in table.rows:
        plan, problems = _check_row(ctx, table, number, cells)
        errors.extend(problems)
        code = cells[index].strip() if index < len(cells) else ""
        if code and code in first_row:
            params = {"code": code, "row": first_row[code]}
            errors.append(CellError(number, "code", code, "duplicate_code", params))
        elif code:
            first_row[code] = number
            if plan is not None:
                plans.append(plan)
    return plans, errors
