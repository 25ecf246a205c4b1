"""What the guard (passerelle/core/guard.py) stops, what it does not, and the rule that keeps
views and template tags on the policy's side of it.

The guard refuses to run a query of a guarded model's default manager unless the policy
scoped it (or a service, migration or command opened `unscoped()`). It cannot see foreign-key
access, `select_related`, subqueries or raw SQL; those limits are pinned below so that
docs/security.md ("What the guard does and does not stop") stays true. Views and template
tags must therefore never open the guard or decrypt by themselves: the AST test fails on any
`unscoped()`, `reveal()` or `_base_manager` in them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db.models import Count, Exists, OuterRef

from passerelle.core import guard
from passerelle.core.guard import GuardedQuerySet, UnscopedQueryError, unscoped
from passerelle.incidents.models import Consent, Incident, Person
from passerelle.inforequests.models import Request
from passerelle.referrals.models import Need, Referral
from passerelle.sharing.models import BreakGlass, Disclosure

ROOT = Path(__file__).resolve().parent.parent / "passerelle"
FORBIDDEN_CALLS = {"unscoped", "reveal"}
FORBIDDEN_ATTRIBUTES = {"_base_manager"}


# --------------------------------------------------------------------------- views and tags


def _view_modules() -> list[Path]:
    found = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        if (
            path.name == "views.py"
            or path.name.endswith("_views.py")
            or "views" in path.parent.name.split(".")
            or "templatetags" in path.parts
        ):
            found.add(path)
    return sorted(found)


def violations(source: str) -> list[str]:
    """Calls of unscoped()/reveal() (as a name or an attribute, e.g. `value.reveal()`),
    imports of them, and use of `_base_manager`, with their line numbers."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in FORBIDDEN_CALLS:
                found.append(f"line {node.lineno}: calls {name}()")
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in FORBIDDEN_CALLS:
                    found.append(f"line {node.lineno}: imports {alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            found.append(f"line {node.lineno}: uses {node.attr}")
    return found


def test_the_walk_finds_the_views_and_template_tags():
    names = {str(p.relative_to(ROOT)) for p in _view_modules()}
    assert {"incidents/views.py", "sharing/views.py", "referrals/pathway_views.py"} <= names
    assert "policy/templatetags/policy.py" in names
    assert any(n.startswith("inforequests/templatetags/") for n in names)


@pytest.mark.parametrize("path", _view_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_view_or_template_tag_opens_the_guard_or_decrypts(path):
    """Reading without a scope and decrypting belong to the policy and the services."""
    assert violations(path.read_text()) == [], path


@pytest.mark.parametrize(
    "source",
    [
        "from passerelle.core.guard import unscoped\n",
        "with unscoped():\n    pass\n",
        "with guard.unscoped():\n    pass\n",
        "x = person.full_name.reveal()\n",
        "from passerelle.core.fields import reveal\n",
        "x = fields.reveal(value)\n",
        "qs = Incident._base_manager.all()\n",
    ],
)
def test_the_check_catches_each_way_of_opening_the_guard(source):
    assert violations(source)


def test_the_check_lets_ordinary_view_code_pass():
    source = (
        "from passerelle import policy\n"
        "record = policy.redact(user, incident)\n"
        "rows = policy.scope(user, Incident.objects.all(), 'incident.view')\n"
        "message = _('would reveal such a cell')\n"
    )
    assert violations(source) == []


# --------------------------------------------------------------------------- what it stops


def test_which_models_are_fenced():
    """Guarded: the case records, consents, requests, disclosures and break-glass accesses.
    Not: protocols and the event tables (verification, referral and request steps), read
    through their record's policy check by habit (docs/security.md)."""
    from passerelle.incidents.models import VerificationEvent
    from passerelle.inforequests.models import RequestEvent
    from passerelle.referrals.models import ReferralEvent
    from passerelle.sharing.models import Protocol

    guarded = {Incident, Person, Consent, Need, Referral, Request, Disclosure, BreakGlass}
    for model in guarded:
        assert isinstance(model._default_manager.all(), GuardedQuerySet), model
    for model in (VerificationEvent, ReferralEvent, RequestEvent, Protocol):
        assert not isinstance(model._default_manager.all(), GuardedQuerySet), model


@pytest.mark.parametrize(
    "run",
    [
        list,
        len,
        bool,
        lambda qs: qs.count(),
        lambda qs: qs.exists(),
        lambda qs: qs.first(),
        lambda qs: qs.get(pk=1),
        lambda qs: list(qs.values_list("pk", flat=True)),
        lambda qs: list(qs.iterator()),
        lambda qs: qs.aggregate(n=Count("pk")),
        lambda qs: qs.in_bulk([1]),
        lambda qs: qs.update(classification=2),
        lambda qs: qs.delete(),
    ],
)
@pytest.mark.django_db
def test_an_unscoped_query_is_refused_however_it_is_run(run):
    with pytest.raises(UnscopedQueryError):
        run(Incident.objects.all())


@pytest.mark.django_db
def test_break_glass_accesses_are_fenced_and_the_policy_reads_them(
    incident, user_with_role, client_for
):
    from passerelle.sharing import services as sharing_services

    colleague = user_with_role("case_worker")
    sharing_services.open_break_glass(colleague, incident, reason="x" * 40, hours=2)
    with pytest.raises(UnscopedQueryError):
        list(BreakGlass.objects.all())
    with pytest.raises(UnscopedQueryError):
        colleague.break_glass.count()  # the reverse relation uses the guarded manager too
    admin = client_for(user_with_role("org_admin"))
    assert admin.get("/sharing/break-glass/").status_code == 200  # scoped by the policy


@pytest.fixture
def shared(monitor, incident, person, areas, user_with_role):
    """The `incident` shared at level 2 with a mission organisation; `person` consented to
    case-level sharing."""
    from passerelle.accounts.tests.factories import OrganisationFactory
    from passerelle.incidents import services as incident_services
    from passerelle.policy.purposes import Purpose
    from passerelle.sharing import services as sharing_services
    from passerelle.sharing.models import PartyRole
    from passerelle.sharing.tests.factories import protocol_factory

    hrd = OrganisationFactory(acronym="HRD")
    protocol = protocol_factory(
        {incident.owner: PartyRole.CLUSTER_MEMBER, hrd: PartyRole.MISSION_HUMAN_RIGHTS},
        [(PartyRole.MISSION_HUMAN_RIGHTS, "*", 3, [Purpose.VERIFICATION])],
        areas=[areas["ML07"]],
    )
    consent = incident_services.record_consent(monitor, person, scope="case_sharing", given=True)
    sharer = user_with_role("verifier")
    disclosure = sharing_services.share_incident(
        sharer, incident, protocol=protocol, recipient=hrd, purpose=Purpose.VERIFICATION, level=3
    )
    reader = user_with_role("viewer", hrd)
    return {"consent": consent, "disclosure": disclosure, "sharer": sharer, "reader": reader}


@pytest.mark.parametrize(
    "read",
    [
        lambda s: list(Consent.objects.all()),
        lambda s: Consent.objects.filter(person=s["consent"].person).exists(),
        lambda s: s["consent"].person.consents.count(),  # the reverse relation
        lambda s: Disclosure.objects.get(pk=s["disclosure"].pk),
        lambda s: Disclosure.objects.filter(level=3).update(level=2),
        lambda s: list(s["disclosure"].incident.disclosures.all()),
        lambda s: s["disclosure"].protocol.disclosures.exists(),
        lambda s: s["disclosure"].recipient.disclosures_received.first(),
    ],
    ids=[
        "consents",
        "consents-exists",
        "person.consents",
        "disclosure-get",
        "disclosure-update",
        "incident.disclosures",
        "protocol.disclosures",
        "recipient.disclosures_received",
    ],
)
@pytest.mark.django_db
def test_consents_and_disclosures_refuse_an_unscoped_read(shared, read):
    """Consents and disclosures are fenced like the case records: a view that forgot the
    policy gets an error, not the consents of a person or what was shared with whom."""
    with pytest.raises(UnscopedQueryError):
        read(shared)


@pytest.mark.django_db
def test_the_policy_and_the_services_still_read_consents_and_disclosures(
    shared, monitor, person, client_for
):
    from passerelle import policy
    from passerelle.incidents import services as incident_services

    disclosure, reader, sharer = shared["disclosure"], shared["reader"], shared["sharer"]
    # the policy reads what it decides with: the recipient sees the shared record at level 3
    assert policy.clearance(reader, disclosure.incident) == 2  # a viewer: level 2 at most
    assert [d.pk for d in policy.received_disclosures(reader)] == [disclosure.pk]
    assert list(policy.received_disclosures(sharer)) == []  # sent, not received
    scoped = policy.scope(sharer, Disclosure.objects.all(), "disclosure.view")
    assert [d.pk for d in scoped] == [disclosure.pk]
    assert list(policy.scope(reader, Disclosure.objects.all(), "disclosure.view")) == []
    # the pages that list them go through the policy
    assert client_for(reader).get("/sharing/received/").status_code == 200
    assert client_for(sharer).get("/sharing/sent/").status_code == 200
    person_page = client_for(monitor).get(f"/incidents/persons/{person.public_id}/")
    assert person_page.status_code == 200  # its consents are opened by policy.redact
    assert "Case-level sharing without identity" in person_page.content.decode()
    # services read and write them unscoped: withdrawing the consent withdraws the share
    incident_services.withdraw_consent(monitor, shared["consent"])
    with unscoped():
        disclosure.refresh_from_db()
    assert disclosure.revoked_reason == Disclosure.Revocation.CONSENT
    assert policy.clearance(reader, disclosure.incident) == -1


@pytest.mark.django_db
def test_the_policy_scope_and_unscoped_let_it_run(monitor, incident):
    from passerelle import policy

    assert list(policy.scope(monitor, Incident.objects.all(), "incident.view")) == [incident]
    with unscoped():
        assert Incident.objects.count() == 1
    with pytest.raises(UnscopedQueryError):  # the block is closed again
        Incident.objects.count()


@pytest.mark.django_db
def test_saving_needs_no_unscoped_block(monitor, incident):
    """`save()` writes through the plain base manager: the `with unscoped(): obj.save()` blocks
    that services carried did nothing and were removed."""
    incident.classification = 3
    incident.save(update_fields=["classification", "updated_at"])  # outside unscoped()
    with unscoped():
        assert Incident.objects.get(pk=incident.pk).classification == 3


def test_there_is_no_trusted_decorator_any_more():
    """It was unused; services open the guard explicitly where they must read unscoped."""
    assert not hasattr(guard, "trusted")


# --------------------------------------------------------------------------- what it does not


@pytest.mark.django_db
def test_known_limits_foreign_keys_and_joins_are_not_fenced(monitor, incident, person):
    """Documented in docs/security.md: a record reached through a foreign key, a join or a
    subquery is not checked by the guard, only by the policy that produced the first object.
    If one of these starts to raise, the guard got stronger: update the documentation."""
    from passerelle import policy
    from passerelle.incidents.models import VerificationEvent

    consent = Consent.objects.create(
        person=person, scope="case_sharing", given=True, given_at=incident.created_at
    )
    with unscoped():  # consents are guarded now: one read through the open guard...
        fresh = Consent.objects.get(pk=consent.pk)
    assert fresh.person.incident == incident  # ...leads to guarded records by foreign key
    event = VerificationEvent.objects.create(  # an unguarded event table does the same
        incident=incident, actor=monitor, from_status="reported", to_status="reported"
    )
    assert VerificationEvent.objects.get(pk=event.pk).incident == incident
    joined = policy.scope(
        monitor, Consent.objects.select_related("person__incident"), "consent.record"
    )
    assert joined.get(pk=consent.pk).person.incident.pk == incident.pk  # the join: not checked
    sub = Incident.objects.filter(pk=OuterRef("incident_id"))
    assert VerificationEvent.objects.filter(Exists(sub)).count() == 1  # subquery: not checked
