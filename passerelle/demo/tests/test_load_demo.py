"""manage.py load_demo: idempotent, one login per role, fictional and encrypted identities."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from passerelle.accounts.models import Membership, Organisation, User
from passerelle.core.fields import reveal
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.demo import loader
from passerelle.demo.names import normalise
from passerelle.geography.models import Area
from passerelle.incidents.models import Consent, Incident, Person, VerificationEvent
from passerelle.policy.fields import IDENTITY_FIELDS
from passerelle.policy.roles import ROLES

# Real people listed in annexes I and III of the joint protection mission report (August 2013).
# The demo must never use their names.
ANNEX_NAMES = [
    "Marlies Bull",
    "Chloé M. Baszanger",
    "Chloé Marnay-Baszanger",
    "Rachel Rico Balzan",
    "Elsa Le Pennec",
    "Mathijs Le Rutte",
    "Grainne O'Hara",
    "Penelope Muteteli",
    "Gary Risser",
    "Aurelie Proust",
    "Alberta Santini",
    "Elise Ford",
    "Marie Antoinette Okimba",
    "Kamissoko",
    "Fernando Arroyo",
    "Stefano Pes",
    "Marianne Traore Chazal Noel",
    "Francoise Ackermans",
    "Abdoulaye Bathily",
    "David Gressly",
    "Mireya Pena",
    "Prosper Nyandagazi",
    "Guillaume Ngefa",
    "Lucien Vermeir",
    "Augustin Some",
    "Lavault",
    "Laurent Guepin",
    "Bruno Mpondo Epo",
    "Souleymane Thioune",
    "Marc Vaillant",
    "Bernadette Sene",
    "Jean-Pierre Esnault",
]
# Their family names, which the demo does not use either.
ANNEX_SURNAMES = [
    "Bull",
    "Baszanger",
    "Marnay",
    "Balzan",
    "Le Pennec",
    "Le Rutte",
    "O'Hara",
    "Muteteli",
    "Risser",
    "Proust",
    "Santini",
    "Ford",
    "Okimba",
    "Kamissoko",
    "Arroyo",
    "Pes",
    "Traore",
    "Chazal",
    "Noel",
    "Ackermans",
    "Bathily",
    "Gressly",
    "Pena",
    "Nyandagazi",
    "Ngefa",
    "Vermeir",
    "Some",
    "Lavault",
    "Guepin",
    "Mpondo",
    "Epo",
    "Thioune",
    "Vaillant",
    "Sene",
    "Esnault",
]


def _uses_annex_name(text: str) -> bool:
    padded = f" {normalise(text)} "
    return any(f" {normalise(n)} " in padded for n in ANNEX_NAMES + ANNEX_SURNAMES)


def _counts() -> dict:
    with unscoped():
        return {
            "incidents": Incident.objects.count(),
            "persons": Person.objects.count(),
            "consents": Consent.objects.count(),
            "verification_events": VerificationEvent.objects.count(),
            "users": User.objects.count(),
            "organisations": Organisation.objects.count(),
            "memberships": Membership.objects.count(),
            "audit_events": AuditEvent.objects.count(),
            "areas": Area.objects.count(),
        }


@pytest.fixture
def demo():
    call_command("load_demo", small=True, stdout=StringIO())


@pytest.mark.django_db
def test_loading_twice_adds_nothing():
    first_out, second_out = StringIO(), StringIO()
    call_command("load_demo", small=True, stdout=first_out)
    first = _counts()
    assert first["incidents"] == loader.SMALL_INCIDENTS
    assert first["persons"] > 0 and first["consents"] > 0 and first["verification_events"] > 0
    assert first["audit_events"] >= first["incidents"] + first["persons"] + first["consents"]

    call_command("load_demo", small=True, stdout=second_out)
    assert _counts() == first
    for out in (first_out.getvalue(), second_out.getvalue()):
        assert loader.DEMO_PASSWORD in out
        assert loader.URL in out
        assert "drc.monitor" in out and "sysadmin" in out


@pytest.mark.django_db
def test_every_role_has_a_demo_login(demo):
    roles = set(
        Membership.objects.filter(
            user__email__endswith="@" + loader.EMAIL_DOMAIN, active=True
        ).values_list("role", flat=True)
    )
    assert set(ROLES) <= roles
    user = User.objects.get(username="drc.monitor")
    assert user.check_password(loader.DEMO_PASSWORD)
    assert user.email == "drc.monitor@demo.passerelle.invalid"


@pytest.mark.django_db
def test_no_real_name_from_the_report(demo):
    with unscoped():
        persons = list(Person.objects.all())
    assert persons
    revealed = 0
    for person in persons:
        for field in ("full_name", "father_name", "mother_name"):
            value = reveal(getattr(person, field))
            revealed += bool(value)
            assert not _uses_annex_name(value), value
    assert revealed > 0
    for user in User.objects.all():
        assert not _uses_annex_name(user.get_full_name()), user.username
    for org in Organisation.objects.all():
        assert not _uses_annex_name(org.name), org.acronym


@pytest.mark.django_db
def test_identities_are_stored_encrypted(demo):
    columns = ", ".join(IDENTITY_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM incidents_person")  # noqa: S608
        rows = cursor.fetchall()
        cursor.execute("SELECT narrative, exact_location FROM incidents_incident")
        rows += cursor.fetchall()
    values = [value for row in rows for value in row if value is not None]
    assert values
    assert all(value.startswith("p1:") for value in values)


@pytest.mark.django_db
def test_incidents_spread_over_regions(demo):
    with unscoped():
        regions = set(Incident.objects.values_list("area__parent__pcode", flat=True))
    assert len(regions) >= 5


@pytest.mark.django_db
def test_the_demo_protocol_is_in_force_and_shows_what_it_permits(demo):
    from django.test import Client
    from django.urls import reverse

    from passerelle import policy
    from passerelle.demo.sharing import DRAFT_REFERENCE, REFERENCE
    from passerelle.sharing.models import Disclosure, Protocol

    protocol = Protocol.objects.get(reference=REFERENCE)
    assert protocol.in_force()
    assert Protocol.objects.get(reference=DRAFT_REFERENCE).status == Protocol.Status.DRAFT
    with unscoped():  # disclosures are guarded
        to_hrd = list(Disclosure.objects.filter(recipient__acronym="MINUSMA-HRD"))
        gbv = list(Disclosure.objects.filter(level=3).select_related("recipient"))
    assert to_hrd and {d.level for d in to_hrd} == {2}
    officer = User.objects.get(username="hrd.viewer")
    for disclosure in to_hrd:
        assert policy.clearance(officer, disclosure.incident) == 2
    # the mission officer sees the summary, never the narrative
    client = Client()
    client.force_login(officer)
    listing = client.get(reverse("sharing:received"))
    assert listing.status_code == 200
    first = to_hrd[0].incident
    assert first.reference in listing.content.decode()
    detail = client.get(reverse("incidents:detail", kwargs={"public_id": first.public_id}))
    assert reveal(first.narrative)[:30] not in detail.content.decode()
    # GBV cases travel only between GBV providers, at level 3, with consent
    for disclosure in gbv:
        assert disclosure.recipient.acronym == "UNFPA" and disclosure.consent_basis
