"""Property: for any mix of valid and invalid rows, the plan names an error for exactly the
rows made invalid, and applying writes either everything the plan counts or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passerelle.core.errors import DomainError
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.imports import pipeline
from passerelle.imports.models import ImportedSubmission
from passerelle.incidents.models import Consent, Incident, Person

from .helpers import row, victim

pytestmark = pytest.mark.django_db

# Each breaks one rule of the services (or of the input): row values, or the row's person.
BREAKS = {
    "future": {"occurred_on": lambda: timezone.now().date() + dt.timedelta(days=2)},
    "area": {"area": lambda: "ML9999"},
    "country": {"area": lambda: "ML"},
    "category": {"category": lambda: "no.such_category"},
    "half_position": {"latitude": lambda: "14.2"},
    "reported_before": {"reported_on": lambda: dt.date(2012, 1, 1)},
}
PERSON_BREAKS = {"phone": {"phone": "+223 (0) abc"}, "age": {"age": 130}, "role": {"role": "x"}}

persons = st.lists(
    st.tuples(
        st.sampled_from(["victim", "witness", "source"]),
        st.sampled_from(["f", "m", "u"]),
        st.one_of(st.none(), st.integers(0, 99)),
        st.booleans(),  # with an identity
        st.dictionaries(st.sampled_from(["referral", "case_sharing"]), st.booleans(), max_size=2),
    ),
    max_size=3,
)
rows_strategy = st.lists(
    st.tuples(
        st.integers(1, 12),  # key number: repeats make duplicates
        st.one_of(st.none(), st.sampled_from(sorted(BREAKS))),
        st.one_of(st.none(), st.sampled_from(sorted(PERSON_BREAKS))),
        persons,
        st.integers(0, 4),  # victims counted
    ),
    min_size=1,
    max_size=8,
)


def _tables():
    with unscoped():
        return (
            Incident.objects.count(),
            Person.objects.count(),
            Consent.objects.count(),
            ImportedSubmission.objects.count(),
            AuditEvent.objects.count(),
        )


@pytest.mark.parametrize("already", [False, True])
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=rows_strategy)
def test_all_or_nothing_and_errors_exactly_where_broken(user_with_role, org, areas, already, spec):
    importer = user_with_role("monitor")
    with translation.override("en"), transaction.atomic():
        if already:  # some keys known already: unchanged, not duplicates
            first = pipeline.prepare(importer, organisation=org, rows=[row(1), row(2)], source="x")
            pipeline.apply(importer, first)
        rows, broken, seen = [], set(), set()
        for position, (number, rule, person_rule, people, counted) in enumerate(spec):
            values = {k: make() for k, make in BREAKS.get(rule, {}).items()}
            made = [
                victim(
                    number * 10 + i,
                    identity=identity,
                    role=role,
                    sex=sex,
                    age=age,
                    consents=consents,
                )
                for i, (role, sex, age, identity, consents) in enumerate(people)
            ]
            if person_rule and made:
                for name, value in PERSON_BREAKS[person_rule].items():
                    setattr(made[0], name, value)
            item = row(number, persons=made, victim_counts={("m", "18_59"): counted}, **values)
            item.row = position + 2
            rows.append(item)
            if item.key in seen or rule or (person_rule and made):
                broken.add(item.row)
            seen.add(item.key)
        before = _tables()
        plan = pipeline.prepare(importer, organisation=org, rows=rows, source="x")
        assert {e.row for e in plan.errors} == broken
        if plan.errors:
            with pytest.raises(DomainError):
                pipeline.apply(importer, plan)
            assert _tables() == before
        else:
            result = pipeline.apply(importer, plan)
            created = [r for r in plan.rows if r.action == pipeline.CREATE]
            persons = sum(len(r.persons) for r in created)
            consents = sum(len(p.consents) for r in created for p in r.persons)
            incidents, people, given, subs, events = _tables()
            assert (incidents, people, given, subs) == (
                before[0] + len(created),
                before[1] + persons,
                before[2] + consents,
                before[3] + len(created),
            )
            assert result["created"] == len(created) and result["persons"] == persons
            assert events == before[4] + 1 + len(created) + persons + consents
        transaction.set_rollback(True)
