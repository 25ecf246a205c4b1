"""The registry of record families: one rule per family, behind one interface.

A `Family` says, for one kind of record (incidents, referrals, requests, risks…), who may do
what on it. It answers two questions from ONE definition:

- `condition(user, action)`: a `Q` restricting a queryset of the family to the records the
  user may act on (lists, dashboards, exports, the API) — `None` when the user may act on none;
- `allows(user, action, obj)`: the per-object decision `can` gives.

Families written as **rules** (`Rule`: `In`, `Holds`, `Match`, combined with `|`, `&`, `~`)
build both from the same rule: each rule knows its `Q` and its test on an instance, side by
side, so the SQL and the Python cannot be written twice in two places. A family that has no
cheap Python twin may leave `allows` out: the decision then runs the condition on the
object's own row (one query). The records family (incidents, persons, consents, needs) keeps
its hand-tuned twins in gate.py; a property test (`passerelle/policy/tests`) asserts, for
every registered family, that `can` and `scope` agree.

Apps register their families when they are ready (`<app>/policy_rules.py`, imported from the
app's `AppConfig.ready`), so the policy never imports the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q

_FAMILIES: dict[type, Family] = {}


# --------------------------------------------------------------------------- rules


class Rule:
    """A condition on a record, for a user: `q(user, prefix)` for SQL, `test(user, obj)`."""

    def q(self, user, prefix: str = "") -> Q | None:
        """None matches nothing; an empty Q() matches everything."""
        raise NotImplementedError

    def test(self, user, obj) -> bool:
        raise NotImplementedError

    def __or__(self, other):
        return Any(self, other)

    def __and__(self, other):
        return All(self, other)

    def __invert__(self):
        return Not(self)


def value_at(obj, path: str):
    """`obj.a.b` for the path "a__b" (None when a link is missing)."""
    for part in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, part)
    return obj


class In(Rule):
    """The record's `path` (e.g. "addressee_id") is one of `values(user)`."""

    def __init__(self, path: str, values: Callable[[object], Iterable]):
        self.path, self.values = path, values

    def q(self, user, prefix=""):
        values = set(self.values(user))
        if not values:
            return None
        return Q(**{f"{prefix}{self.path}__in": values})

    def test(self, user, obj):
        value = value_at(obj, self.path)
        return value is not None and value in set(self.values(user))


class Holds(Rule):
    """The user holds the action in one of their organisations (any record matches)."""

    def __init__(self, action: str):
        self.action = action

    def q(self, user, prefix=""):
        from .gate import can

        return Q() if can(user, self.action) else None

    def test(self, user, obj):
        from .gate import can

        return can(user, self.action)


class Match(Rule):
    """A condition that needs both forms spelt out (a period, a related set): `q(user, prefix)`
    and `test(user, obj)` are written next to each other, in the family, once."""

    def __init__(self, q: Callable, test: Callable):
        self._q, self._test = q, test

    def q(self, user, prefix=""):
        return self._q(user, prefix)

    def test(self, user, obj):
        return bool(self._test(user, obj))


class At(Rule):
    """A rule of a related record: `At("body", rule)` on a meeting applies `rule` to its body."""

    def __init__(self, path: str, rule: Rule):
        self.path, self.rule = path, rule

    def q(self, user, prefix=""):
        return self.rule.q(user, f"{prefix}{self.path}__")

    def test(self, user, obj):
        related = value_at(obj, self.path)
        return related is not None and self.rule.test(user, related)


class Any(Rule):
    def __init__(self, *rules: Rule):
        self.rules = rules

    def q(self, user, prefix=""):
        found = [c for c in (r.q(user, prefix) for r in self.rules) if c is not None]
        if not found:
            return None
        if any(not c for c in found):  # one of them matches everything
            return Q()
        condition = found[0]
        for c in found[1:]:
            condition |= c
        return condition

    def test(self, user, obj):
        return any(r.test(user, obj) for r in self.rules)


class All(Rule):
    def __init__(self, *rules: Rule):
        self.rules = rules

    def q(self, user, prefix=""):
        condition = Q()
        for rule in self.rules:
            c = rule.q(user, prefix)
            if c is None:
                return None
            condition &= c
        return condition

    def test(self, user, obj):
        return all(r.test(user, obj) for r in self.rules)


class Not(Rule):
    def __init__(self, rule: Rule):
        self.rule = rule

    def q(self, user, prefix=""):
        c = self.rule.q(user, prefix)
        if c is None:  # nothing matched: everything does now
            return Q()
        if not c:  # an empty Q matched everything: nothing does now
            return None
        return ~c

    def test(self, user, obj):
        return not self.rule.test(user, obj)


NOBODY = Match(lambda user, prefix: None, lambda user, obj: False)


# --------------------------------------------------------------------------- families


@dataclass(eq=False)
class Family:
    """The access rule of one kind of record.

    name       -- short name used in docs and errors ("requests", "risks")
    models     -- the model classes of the family (subclasses follow)
    rules      -- action -> Rule; both the condition and the decision come from it
    condition  -- (user, action, prefix) -> Q or None, for families not written as rules
    allows     -- (user, action, obj) -> bool, the Python twin of `condition` (optional)
    owner      -- obj -> the organisation whose audit log records a refusal
    related    -- select_related paths `get_or_404` fetches with the object
    fields     -- (user, obj) -> names of the fields the user may see (visible_fields)
    redact     -- (user, obj, **kw) -> what the user may see of the object (redact)
    fallback   -- action used for an action the family does not list (e.g. "*.view")
    level      -- (user, obj, action=None) -> the level the user holds on it (`clearance`)
    record_path -- case records only: the path to the incident they belong to ("" for it)
    """

    name: str
    models: tuple
    rules: dict[str, Rule] = field(default_factory=dict)
    condition: Callable | None = None
    allows: Callable | None = None
    owner: Callable | None = None
    related: tuple = ()
    fields: Callable | None = None
    redact: Callable | None = None
    fallback: str | None = None
    level: Callable | None = None
    record_path: str | None = None

    def rule(self, action: str) -> Rule | None:
        rule = self.rules.get(action)
        if rule is None and self.fallback is not None:
            rule = self.rules.get(self.fallback)
        return rule

    def q(self, user, action: str, prefix: str = "") -> Q | None:
        """The records of this family the user may act on (None: none)."""
        if self.condition is not None:
            return self.condition(user, action, prefix)
        rule = self.rule(action)
        return None if rule is None else rule.q(user, prefix)

    def decide(self, user, action: str, obj) -> bool:
        if self.allows is not None:
            return bool(self.allows(user, action, obj))
        if self.condition is None:
            rule = self.rule(action)
            return rule is not None and rule.test(user, obj)
        # No Python twin: run the one condition on the object's own row.
        condition = self.condition(user, action, "")
        if condition is None:
            return False
        manager = type(obj)._base_manager
        qs = manager.filter(condition, pk=obj.pk)
        mark = getattr(qs, "mark_scoped", None)
        return (mark() if mark else qs).exists()

    def owner_of(self, obj):
        return self.owner(obj) if self.owner is not None else getattr(obj, "organisation", None)


_PENDING: list[Family] = []  # families named by model label, resolved at first use


def register(family: Family) -> Family:
    """Register (or replace, on a reload) the family of its models. A model may be given by
    its label ("core.AuditEvent") when the app that holds it sits below the policy."""
    if any(isinstance(model, str) for model in family.models):
        _PENDING.append(family)
        return family
    for model in family.models:
        _FAMILIES[model] = family
    return family


def _resolve_pending() -> None:
    from django.apps import apps

    while _PENDING:
        family = _PENDING.pop()
        family.models = tuple(apps.get_model(m) if isinstance(m, str) else m for m in family.models)
        register(family)


def family_of(model_or_obj, *, strict: bool = True) -> Family | None:
    """The family a model (or an instance) belongs to."""
    if _PENDING:
        _resolve_pending()
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    for klass in model.__mro__:
        family = _FAMILIES.get(klass)
        if family is not None:
            return family
    if strict:
        raise TypeError(f"The policy does not know records of type {model.__name__}")
    return None


# --------------------------------------------------------------------------- derived actions

_DERIVED: dict[str, Callable] = {}


def register_action(name: str, test: Callable) -> Callable:
    """Register an action that is not a role's but derived from roles and data, once, where
    its rule lives: `test(user, obj)` answers `can(user, name, obj)` (obj may be None, an
    organisation or a record). E.g. "body.create": the user may name a chair for a new body.
    Templates then ask `{% can "body.create" as allowed %}` instead of receiving a flag.
    A role's action is never derived (it would shadow the roles table)."""
    from .roles import ACTIONS

    if name in ACTIONS:
        raise ValueError(f"{name} is a role's action, not a derived one")
    _DERIVED[name] = test
    return test


def derived(name: str) -> Callable | None:
    """The test of a derived action (None: not a derived action)."""
    return _DERIVED.get(name)


def derived_actions() -> list[str]:
    return sorted(_DERIVED)


def families() -> list[Family]:
    """Every registered family, once each (docs, tests)."""
    if _PENDING:
        _resolve_pending()
    seen = []
    for family in _FAMILIES.values():
        if family not in seen:
            seen.append(family)
    return seen
