"""Services for tests, built directly (directory data: no policy involved)."""

from __future__ import annotations

import itertools

from ..models import Service, ServiceType

_counter = itertools.count(1)


def service_factory(provider, *, service_type=ServiceType.PSYCHOSOCIAL, areas=(), **values):
    n = next(_counter)
    values.setdefault("code", f"{provider.acronym}-SVC-{n:03d}")
    values.setdefault("name", f"Service {n} – {provider.acronym}")
    values.setdefault("target_groups", ["women", "girls"])
    service = Service.objects.create(provider=provider, service_type=service_type, **values)
    service.areas.set(areas)
    return service
