"""The registry: one family per kind of record, one definition per rule (SQL and Python built
from it), organisation-scoped actions, and decisions cached for one request only."""

from __future__ import annotations

import pathlib

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from passerelle import policy
from passerelle.accounts.models import Membership, Organisation
from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.core import audit
from passerelle.core.models import AuditEvent
from passerelle.incidents import services as incident_services
from passerelle.incidents.models import Consent, Incident, Person
from passerelle.incidents.tests.factories import incident_factory, person_factory
from passerelle.incidents.tests.fixtures import logged_in_client
from passerelle.policy import cache
from passerelle.policy.registry import All, Any, In, Not, family_of
from passerelle.policy.testing import disagreements

pytestmark = pytest.mark.django_db

CASE_AND_GOVERNANCE = [
    "incidents.Incident",
    "incidents.Person",
    "incidents.Consent",
    "referrals.Need",
    "referrals.Referral",
    "referrals.Service",
    "sharing.Disclosure",
    "sharing.BreakGlass",
    "sharing.Protocol",
    "inforequests.Request",
    "coordination.Body",
    "coordination.Meeting",
    "coordination.ActionPoint",
    "coordination.EngagementRisk",
    "coordination.Training",
    "directory.FocalPoint",
    "core.AuditEvent",
]


@pytest.mark.parametrize("label", CASE_AND_GOVERNANCE)
def test_every_model_holding_case_or_governance_data_has_a_family(label):
    from django.apps import apps

    family = family_of(apps.get_model(label))
    assert family.rules or family.condition is not None


def test_an_unregistered_model_is_refused_not_guessed(org, user_with_role):
    user = user_with_role("org_admin")
    with pytest.raises(TypeError):
        policy.can(user, "audit.view", Membership.objects.first())


def test_the_policy_imports_no_app_above_it():
    """Apps register their families; the policy names their models by label only."""
    root = pathlib.Path(policy.__file__).parent
    above = ("incidents", "sharing", "referrals", "inforequests", "coordination", "directory")
    offenders = []
    for path in root.glob("*.py"):
        if path.name == "testing.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(f"passerelle.{app}" in line for app in above) and "import" in line:
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []


# --------------------------------------------------------------------------- rules


def _rules(draw_ids):
    leaf = st.one_of(
        draw_ids.map(lambda ids: In("pk", lambda user, ids=ids: ids)),
        draw_ids.map(lambda ids: In("parent_id", lambda user, ids=ids: ids)),
    )
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda p: Any(*p)),
            st.tuples(inner, inner).map(lambda p: All(*p)),
            inner.map(Not),
        ),
        max_leaves=6,
    )


@pytest.fixture
def tree(db):
    root = OrganisationFactory(acronym="ROOT")
    children = [OrganisationFactory(acronym=f"C{i}", parent=root) for i in range(3)]
    return [root, *children, OrganisationFactory(acronym="LONE")]


@hsettings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_rule_selects_in_sql_exactly_the_records_its_test_accepts(tree, data):
    pks = [o.pk for o in tree]
    rule = data.draw(_rules(st.sets(st.sampled_from(pks), max_size=3)))
    condition = rule.q(None)
    organisations = Organisation.objects.filter(pk__in=pks)
    selected = (
        set()
        if condition is None
        else set(organisations.filter(condition).values_list("pk", flat=True))
    )
    tested = {o.pk for o in organisations if rule.test(None, o)}
    assert selected == tested


# --------------------------------------------------------------------------- records


@hsettings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    classification=st.integers(min_value=2, max_value=4),
    role=st.sampled_from(["viewer", "monitor", "case_worker", "verifier", "org_admin"]),
    named=st.booleans(),
    consented=st.booleans(),
)
def test_can_and_scope_agree_on_incidents_persons_and_consents(
    org, areas, monitor, user_with_role, classification, role, named, consented
):
    with transaction.atomic():
        incident = incident_factory(monitor, classification=classification)
        person = person_factory(monitor, incident)
        if consented:
            incident_services.record_consent(monitor, person, scope="case_sharing", given=True)
        reader = user_with_role(role)
        if named:
            incident_services.set_need_to_know(
                user_with_role("org_admin"), incident, user=reader, named=True
            )
        users = [reader, monitor]
        actions = ["incident.view", "incident.edit", "person.view", "person.view_identity"]
        assert disagreements(users, Incident.objects.all(), actions) == []
        assert disagreements(users, Person.objects.all(), actions) == []
        assert disagreements(users, Consent.objects.all(), ["consent.record"]) == []
        transaction.set_rollback(True)


# --------------------------------------------------------------------------- organisations


def test_organisation_scoped_actions_and_their_holders(org, other_org, user_with_role):
    admin = user_with_role("org_admin")
    viewer = user_with_role("viewer")
    monitor = user_with_role("monitor")
    assert policy.can(admin, "audit.view", org)
    assert not policy.can(admin, "audit.view", other_org)
    assert not policy.can(viewer, "audit.view", org)
    assert policy.holders(org, "audit.view") == [admin]
    assert set(policy.holders(org, "person.view_identity")) == {monitor}
    assert policy.holders(org, "person.view", min_level=4) == [monitor]
    assert policy.holders(other_org, "audit.view") == []


def test_the_audit_log_family_shows_an_organisation_its_own_events(org, other_org, user_with_role):
    admin = user_with_role("org_admin")
    outsider = user_with_role("org_admin", other_org)
    audit.record(admin, "test.event", organisation=org)
    audit.record(outsider, "test.event", organisation=other_org)
    events = AuditEvent.objects.filter(action="test.event")
    assert disagreements([admin, outsider], events, ["audit.view"]) == []
    own = policy.scope(admin, events, "audit.view")
    assert {e.organisation_id for e in own} == {org.pk}


# --------------------------------------------------------------------------- the cache


def test_decisions_are_cached_for_one_request_and_never_on_the_user(org, other_org, user_with_role):
    user = user_with_role("viewer")
    before = set(vars(user))
    with cache.request_cache():
        assert policy.organisations(user) == [org]
        Membership.objects.create(user=user, organisation=other_org, role="viewer")
        assert policy.organisations(user) == [org]  # the same answer within the request
        policy.forget(user)
        assert set(policy.organisations(user)) == {org, other_org}
    assert set(vars(user)) == before  # nothing written on the user object
    with cache.request_cache():  # the next request reads afresh
        Membership.objects.filter(user=user, organisation=other_org).delete()
        assert policy.organisations(user) == [org]


def test_every_request_starts_with_an_empty_cache(org, user_with_role):
    user = user_with_role("viewer")
    client = logged_in_client(user)
    assert client.get("/incidents/").status_code == 200
    Membership.objects.filter(user=user).update(active=False)
    assert client.get("/incidents/").status_code == 403


def test_the_can_tag_answers_for_any_family(org, other_org, user_with_role):
    from django.template import Context, Template

    admin = user_with_role("org_admin")
    audit.record(admin, "test.event", organisation=org)
    audit.record(admin, "test.event", organisation=other_org)
    own, foreign = AuditEvent.objects.filter(action="test.event").order_by("organisation_id")
    if own.organisation_id != org.pk:
        own, foreign = foreign, own
    template = Template(
        '{% can "audit.view" own as a %}{% can "audit.view" foreign as b %}'
        '{% can "audit.view" org as c %}{{ a }} {{ b }} {{ c }}'
    )
    context = Context({"user": admin, "own": own, "foreign": foreign, "org": org})
    assert template.render(context) == "True False True"


@hsettings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_protocol_coverage_is_one_rule_in_python_and_sql(areas, data):
    from passerelle.geography.models import Area
    from passerelle.policy.gate import within, within_q

    every = list(Area.objects.order_by("pcode"))
    chosen = data.draw(st.lists(st.sampled_from(every), max_size=3))
    rows = Area.objects.filter(parent__isnull=False).select_related("parent")
    in_sql = set(rows.filter(within_q(chosen, path="parent")).values_list("pk", flat=True))
    in_python = {a.pk for a in rows if within(a.parent, chosen)}
    assert in_sql == in_python
