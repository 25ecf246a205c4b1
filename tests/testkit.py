"""A walk over every URL pattern of the project, telling what each view declares."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from passerelle.policy.decorators import ATTR, PUBLIC

ADMIN_NAMESPACE = "admin"


@dataclass
class Route:
    route: str  # the full pattern, e.g. "incidents/<uuid:public_id>/edit/"
    name: str | None  # the namespaced name, e.g. "incidents:edit"
    namespaces: tuple[str, ...]
    callback: object
    kwargs: tuple[str, ...] = field(default=())

    @property
    def is_admin(self) -> bool:
        return ADMIN_NAMESPACE in self.namespaces

    @property
    def permission(self) -> str | None:
        return declared_permission(self.callback)

    @property
    def actions(self) -> tuple[str, ...]:
        """The declared actions (several mean any of them); () for a public view."""
        declared = self.permission
        if declared in (None, PUBLIC):
            return ()
        return (declared,) if isinstance(declared, str) else tuple(declared)

    @property
    def is_public(self) -> bool:
        return self.permission == PUBLIC

    @property
    def object_kind(self) -> str | None:
        """Which record a `public_id` in the URL names: incident, person or consent."""
        if "public_id" not in self.kwargs:
            return None
        if "persons/<uuid:public_id>" in self.route or "person/<uuid:public_id>" in self.route:
            return "person"
        if "consents/<uuid:public_id>" in self.route:
            return "consent"
        return "incident"

    def url(self, **kwargs) -> str:
        return reverse(self.name, kwargs=kwargs or None)


def declared_permission(callback) -> str | None:
    """The `passerelle_permission` of a view function, class-based view or wrapper."""
    seen = set()
    todo = [callback]
    while todo:
        obj = todo.pop()
        if obj is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        value = getattr(obj, ATTR, None)
        if value:
            return value
        todo += [getattr(obj, "view_class", None), getattr(obj, "__wrapped__", None)]
    return None


def _kwarg_names(pattern) -> tuple[str, ...]:
    converters = getattr(pattern, "converters", None)
    if converters:
        return tuple(converters)
    regex = getattr(pattern, "regex", None)
    return tuple(regex.groupindex) if regex is not None else ()


def walk(patterns=None, prefix: str = "", namespaces: tuple[str, ...] = (), kwargs=()):
    """Every URLPattern under `patterns` (default: the ROOT_URLCONF), recursively."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        route = prefix + str(p.pattern)
        names = kwargs + _kwarg_names(p.pattern)
        if isinstance(p, URLResolver):
            ns = namespaces + ((p.namespace,) if p.namespace else ())
            yield from walk(p.url_patterns, route, ns, names)
        elif isinstance(p, URLPattern):
            name = ":".join([*namespaces, p.name]) if p.name else None
            yield Route(route, name, namespaces, p.callback, names)


# Arguments that name no record: a value of the right shape is enough to reach the view
# (the scheduled job's name, the boundaries' admin level and content digest).
PLACEHOLDERS = {"name": "send_outbox", "level": 2, "digest": "0" * 16}


def fill(route: Route, objects: dict) -> str | None:
    """The URL of a route, its `public_id` taken from `objects[kind]`; None when it needs
    arguments this helper cannot invent (admin object pages)."""
    if route.name is None:
        return None
    if not route.kwargs:
        return route.url()
    if route.kwargs == ("public_id",):
        obj = objects.get(route.object_kind)
        public_id = obj.public_id if obj is not None else uuid.uuid4()
        return route.url(public_id=public_id)
    if not route.is_admin and set(route.kwargs) <= set(PLACEHOLDERS):
        return route.url(**{name: PLACEHOLDERS[name] for name in route.kwargs})
    return None


@contextmanager
def rolled_back(django_db_blocker):
    """Data built once for a test module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
