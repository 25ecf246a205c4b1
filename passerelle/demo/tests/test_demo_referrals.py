"""The demo's service mapping, pathways, needs and referrals (passerelle.demo.referrals).

The demo is loaded for real (organisations, users, a few hundred incidents, the protocol), then
the referral part on top of it, through the services; these tests check what the gap page and
the referral screens will show.
"""

import datetime as dt

import pytest
from django.utils import timezone

from passerelle.accounts.models import Organisation, User
from passerelle.core import audit
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent, Notification
from passerelle.demo import clock, loader, referrals
from passerelle.demo.sharing import REFERENCE
from passerelle.geography.models import Area
from passerelle.incidents.models import Consent
from passerelle.referrals.models import (
    Need,
    Pathway,
    Referral,
    ReferralEvent,
    Service,
    ServiceType,
)
from passerelle.referrals.services import overdue

# Enough incidents for referrals in every status (the small demo of 60 has too few victims).
INCIDENTS = 200
# Northern cercles named in issue 4 as having no legal aid.
NAMED_WITHOUT_LEGAL_AID = {
    "ML0802": "Kidal",
    "ML0803": "Tessalit",
    "ML0801": "Abeïbara",
    "ML0702": "Bourem",
    "ML0701": "Ansongo",
    "ML0602": "Goundam",
}


def _world():
    orgs = {o.acronym: o for o in Organisation.objects.all()}
    users = {u.username: u for u in User.objects.filter(username__in=[u for u, *_ in loader.USERS])}
    return orgs, users


def _load(incidents: int) -> dict:
    loader.load_demo(incidents)
    return referrals.load_referrals(*_world())


def _snapshot() -> dict:
    with unscoped():
        return {
            "organisations": Organisation.objects.count(),
            "services": sorted(Service.objects.values_list("code", "status", "updated_at")),
            "pathways": sorted(Pathway.objects.values_list("area__pcode", "need", "updated_at")),
            "needs": sorted(Need.objects.values_list("person_id", "service_type", "outcome")),
            "consents": Consent.objects.count(),
            "referrals": sorted(Referral.objects.values_list("reference", "status")),
            "events": ReferralEvent.objects.count(),
            "notifications": Notification.objects.count(),
            "audit": AuditEvent.objects.count(),
        }


def _serving(area, service_type=None):
    services = Service.objects.prefetch_related("areas").select_related("provider")
    if service_type:
        services = services.filter(service_type=service_type)
    return [s for s in services if s.serves(area)]


@pytest.fixture
def mapped():
    """The demo without incidents: organisations, users, protocol, services and pathways."""
    return _load(0)


@pytest.mark.django_db
def test_services_cover_every_region_densely_in_the_south_thinly_in_the_north(mapped):
    assert 60 <= Service.objects.count() <= 95
    active = list(Service.objects.filter(status="active").prefetch_related("areas"))

    def serving(area):
        return [s for s in active if s.serves(area)]

    for region in Area.objects.filter(level=1, pcode__startswith="ML"):
        assert any(serving(c) for c in Area.objects.filter(parent=region)), region.pcode
    for town in ("ML0901", "ML0506", "ML0406"):  # Bamako, Mopti, Ségou
        assert len(serving(Area.objects.get(pcode=town))) >= 8, town
    north = Area.objects.filter(level=2, parent__pcode__in=["ML06", "ML07", "ML08", "ML10"])
    thin = [c for c in north if len(serving(c)) <= 3]
    assert len(thin) >= 0.75 * len(north)
    for region in ("ML08", "ML10"):  # Kidal, Ménaka: almost nothing
        cercles = Area.objects.filter(parent__pcode=region)
        assert len({s.pk for c in cercles for s in serving(c)}) <= 3, region
    # a few services suspended because of insecurity
    suspended = Service.objects.filter(status=Service.Status.SUSPENDED)
    assert 3 <= suspended.count() <= 8
    assert all("insécurité" in s.description for s in suspended)


@pytest.mark.django_db
def test_no_legal_aid_in_the_named_northern_cercles_but_some_in_their_regional_towns(mapped):
    for pcode, name in NAMED_WITHOUT_LEGAL_AID.items():
        cercle = Area.objects.get(pcode=pcode)
        assert not _serving(cercle, ServiceType.LEGAL), name
    for pcode in referrals.NO_LEGAL_AID:
        assert not _serving(Area.objects.get(pcode=pcode), ServiceType.LEGAL), pcode
    for town in ("ML0901", "ML0506", "ML0406", "ML0703", "ML0605"):
        assert _serving(Area.objects.get(pcode=town), ServiceType.LEGAL), town


@pytest.mark.django_db
def test_services_are_described_in_french_with_generic_contacts(mapped):
    languages = set()
    for service in Service.objects.select_related("provider", "receiver"):
        prefix = service.code.split("-")[0]
        assert service.provider.acronym == referrals.PROVIDERS.get(prefix, prefix)
        assert service.hours and service.languages and service.target_groups
        assert service.contact_phone.startswith("+223 2")  # an office line, not a mobile
        assert service.contact_email.endswith("." + referrals.EMAIL_DOMAIN)
        languages |= {lang.strip() for lang in service.languages.split(",")}
        receiver = referrals.RECEIVERS.get(service.provider.acronym)
        if receiver is None:
            assert service.receiver is None
        else:
            assert service.receiver.username == receiver
    assert {"français", "bambara", "songhaï", "tamasheq", "peul"} <= languages
    mopti = Service.objects.get(code="UNFPA-MOP-MED-01")
    assert mopti.name == "Prise en charge médicale des survivantes de VBG – CSRéf de Mopti"
    assert mopti.target_groups == ["women", "girls"]


@pytest.mark.django_db
def test_pathways_list_fallbacks_and_show_the_missing_legal_aid(mapped):
    hubs = {"ML09", "ML0506", "ML0703", "ML0605"}
    drawn = set(Pathway.objects.values_list("area__pcode", "need"))
    for hub in hubs:
        assert {(hub, "gbv_survivor"), (hub, "uasc"), (hub, "justice")} <= drawn
    bamako = Pathway.objects.get(area__pcode="ML09", need="gbv_survivor")
    medical = bamako.steps.get(service_type=ServiceType.MEDICAL)
    assert len(medical.options()) >= 2  # a first choice and a fallback
    gaps = [
        step
        for pathway in Pathway.objects.prefetch_related("steps__pathway_options")
        for step in pathway.steps.all()
        if step.service_type == ServiceType.LEGAL and not step.options()
    ]
    assert gaps and all(step.note == referrals.STEP_GAP for step in gaps)
    assert {step.pathway.area.pcode for step in gaps} >= {"ML0702", "ML0602", "ML0802"}


@pytest.mark.django_db
def test_mapping_twice_changes_nothing(mapped):
    before = _snapshot()
    again = referrals.load_referrals(*_world())
    assert again["services"] == again["services_updated"] == again["pathways"] == 0
    assert again["organisations"] == 0
    assert _snapshot() == before


@pytest.mark.django_db
def test_demo_referrals_cover_every_status_and_load_only_once():
    result = _load(INCIDENTS)
    assert result["refused"] == []
    with unscoped():
        refs = list(Referral.objects.select_related("sender", "provider", "protocol", "need"))
        needs = list(Need.objects.select_related("incident__area", "person"))
    assert {r.status for r in refs} == set(Referral.Status.values)
    today = timezone.localdate()

    # overdue ones, and open ones that are not late yet
    with unscoped():
        late = list(overdue(Referral.objects.all()))
    assert len(late) >= 3
    assert any(r.is_open and r.follow_up_due >= today for r in refs)

    # dates spread over the story's 2013–2014 told in the present (demo/clock.py), never after
    # now, in order, with the service provided days to weeks later
    sent = [r for r in refs if r.sent_at]
    assert all(clock.shift(dt.date(2013, 1, 1)) <= r.sent_at.date() <= today for r in sent)
    assert all(r.updated_at <= timezone.now() for r in refs)
    assert len({(r.sent_at.year, r.sent_at.month) for r in sent}) >= 6
    for r in sent:
        assert r.created_at <= r.sent_at
        assert r.reference.startswith(f"REF-{r.sender.acronym}-{r.created_at.year}-")
        if r.provided_on:
            assert dt.timedelta(0) <= r.provided_on - r.sent_at.date() <= dt.timedelta(days=30)
        if r.closed_at:
            assert r.closed_at >= r.sent_at
    for r in refs:
        times = list(ReferralEvent.objects.filter(referral=r).values_list("at", flat=True))
        assert times == sorted(times) and times[0] == r.created_at
    assert len({r.reference for r in refs}) == len(refs)
    by_url = {f"/referrals/{r.public_id}/": r.reference for r in refs}
    told = Notification.objects.filter(url__in=by_url)
    assert told.exists() and all(n.params["reference"] == by_url[n.url] for n in told)
    assert audit.verify() == []  # dates moved on the rows, never in the audit log

    # declined with a reason, withdrawn with a note; other organisations only under the protocol
    assert all(r.decline_reason for r in refs if r.status == "declined")
    assert all(r.sender_id == r.provider_id or r.protocol.reference == REFERENCE for r in refs)
    assert any(r.sender_id != r.provider_id for r in refs)
    assert any(r.sender_id == r.provider_id and r.protocol is None for r in refs)

    # every referral relies on a consent given; refusals end as "declined by the person"
    for r in refs:
        assert r.consent.given and r.consent.scope == "referral"
        assert r.consent.given_at <= r.created_at  # asked before referring
    outcomes = {n.outcome for n in needs}
    assert {
        Need.Outcome.REFERRED,
        Need.Outcome.IN_HOUSE,
        Need.Outcome.DECLINED,
        Need.Outcome.UNAVAILABLE,
    } <= outcomes
    with unscoped():
        refused = {
            c.person_id
            for c in Consent.objects.filter(scope="referral", given=False, withdrawn_at=None)
        }
    referred_persons = {r.person_id for r in refs}
    assert not refused & referred_persons

    # a gap is recorded only where no active service of the type serves the cercle
    legal_gaps = [
        n
        for n in needs
        if n.outcome == Need.Outcome.UNAVAILABLE and n.service_type == ServiceType.LEGAL
    ]
    assert legal_gaps
    for need in legal_gaps:
        active = [s for s in _serving(need.incident.area, ServiceType.LEGAL) if s.is_active]
        assert not any(referrals.takes(s, need.person) for s in active), need.incident.area
    north = [n for n in needs if n.incident.area.pcode[:4] in {"ML06", "ML07", "ML08", "ML10"}]
    share = sum(n.outcome == Need.Outcome.UNAVAILABLE for n in north) / len(north)
    south = [n for n in needs if n.incident.area.pcode[:4] in {"ML09", "ML05", "ML04"}]
    assert share > sum(n.outcome == Need.Outcome.UNAVAILABLE for n in south) / len(south)

    # loading again changes nothing and writes nothing
    before = _snapshot()
    again = referrals.load_referrals(*_world())
    assert again["services"] == again["pathways"] == again["consents"] == 0
    assert _snapshot() == before
