"""What the kill -9 test runs in a process of its own (`manage.py shell -c`): a large import
that reports its progress in a file, so that the test kills it in the middle of `apply`."""

from __future__ import annotations

import json
from pathlib import Path


def setup(database_label: str = "") -> None:
    """On a fresh, migrated database: an organisation, its monitor, Mali's areas. Prints
    their primary keys as JSON."""
    from passerelle.accounts.tests.factories import (
        MembershipFactory,
        OrganisationFactory,
        UserFactory,
    )
    from passerelle.geography.loader import load_mali

    load_mali()
    org = OrganisationFactory(acronym="DRC", name="Danish Refugee Council")
    user = UserFactory(username="drc.killed")
    MembershipFactory(user=user, organisation=org, role="monitor")
    print(json.dumps({"org": org.pk, "user": user.pk}))  # noqa: T201 - read by the test


def run(org_pk: int, user_pk: int, count: int, progress: str) -> None:
    """Import `count` rows (each with a victim, an identity and a consent) as the user into
    the organisation, writing "done total" to `progress` between batches."""
    from passerelle.accounts.models import Organisation, User
    from passerelle.imports import pipeline

    from .helpers import row, victim

    org = Organisation.objects.get(pk=org_pk)
    user = User.objects.get(pk=user_pk)
    rows = [row(n, persons=[victim(n, consents={"referral": True})]) for n in range(1, count + 1)]
    plan = pipeline.prepare(user, organisation=org, rows=rows, source="xlsform")
    assert not plan.errors  # noqa: S101

    def report(done: int, total: int) -> None:
        path = Path(progress)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(f"{done} {total}")
        tmp.replace(path)

    pipeline.apply(user, plan, progress=report)
    Path(progress).write_text("finished")


def counts() -> None:
    """Prints the rows of the import's tables and the audit log's state as JSON."""
    from passerelle.core import audit
    from passerelle.core.guard import unscoped
    from passerelle.core.models import AuditEvent, Counter
    from passerelle.imports.models import ImportedSubmission
    from passerelle.incidents.models import Consent, Incident, Person

    with unscoped():
        found = {
            "incidents": Incident.objects.count(),
            "persons": Person.objects.count(),
            "consents": Consent.objects.count(),
            "submissions": ImportedSubmission.objects.count(),
            "events": AuditEvent.objects.count(),
            "counters": Counter.objects.count(),
            "problems": len(audit.verify()),
        }
    print(json.dumps(found))  # noqa: T201 - read by the test
