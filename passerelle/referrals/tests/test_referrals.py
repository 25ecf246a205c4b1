"""Referrals: every refusal, the whole lifecycle, and what each side sees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.http import Http404
from django.utils import timezone, translation

from passerelle import policy
from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.core import jobs
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent, Notification
from passerelle.incidents import services as incident_services
from passerelle.incidents.models import Consent, Incident
from passerelle.incidents.tests.factories import person_factory
from passerelle.policy.purposes import Purpose
from passerelle.sharing.models import Protocol

from .. import services
from ..models import Need, Referral, ReferralEvent, Service, ServiceType
from .factories import service_factory

pytestmark = pytest.mark.django_db


def consent(monitor, person, given=True):
    return incident_services.record_consent(monitor, person, scope="referral", given=given)


def refer(monitor, person, service, **kwargs):
    kwargs.setdefault("summary", "Soins médicaux dans les 72 heures; se présente accompagnée.")
    return services.create_referral(monitor, person, service, **kwargs)


def codes_of(excinfo):
    return set(excinfo.value.codes)


# --------------------------------------------------------------------------- refusals


def test_no_consent_no_referral_and_the_refusal_is_audited(world, monitor, person):
    with pytest.raises(services.ReferralRefused) as excinfo, translation.override("en"):
        refer(monitor, person, world["medical"])
    assert codes_of(excinfo) == {"no_consent"}
    assert "No consent, no referral" in " ".join(str(r) for r in excinfo.value.reasons)
    with unscoped():
        assert not Referral.objects.exists()
    event = AuditEvent.objects.filter(action="referral.refused").get()
    assert event.outcome == "refused" and event.detail["reasons"] == ["no_consent"]


def test_a_refused_consent_is_respected(world, monitor, person):
    consent(monitor, person, given=False)
    with pytest.raises(services.ReferralRefused) as excinfo:
        refer(monitor, person, world["medical"])
    assert codes_of(excinfo) == {"consent_refused"}


def test_a_suspended_service_is_refused(world, monitor, person):
    consent(monitor, person)
    Service.objects.filter(pk=world["medical"].pk).update(status="suspended")
    world["medical"].refresh_from_db()
    with pytest.raises(services.ReferralRefused) as excinfo:
        refer(monitor, person, world["medical"])
    assert codes_of(excinfo) == {"service_inactive"}


def test_a_provider_outside_any_protocol_is_refused(world, monitor, person):
    consent(monitor, person)
    stranger = OrganisationFactory(acronym="ONG-X")
    service = service_factory(stranger, service_type=ServiceType.LEGAL, areas=[world["gao"]])
    with pytest.raises(services.ReferralRefused) as excinfo:
        refer(monitor, person, service)
    assert codes_of(excinfo) == {"no_protocol"}
    assert "ONG-X" in str(excinfo.value)


@pytest.mark.parametrize(
    "change",
    ["suspended", "no_response_purpose", "outside_area", "other_category"],
)
def test_a_protocol_that_does_not_allow_the_referral_is_no_protocol(
    world, monitor, person, areas, change
):
    consent(monitor, person)
    protocol = world["protocol"]
    if change == "suspended":
        Protocol.objects.filter(pk=protocol.pk).update(status="suspended")
    elif change == "no_response_purpose":
        protocol.rules.update(purposes=[Purpose.VERIFICATION])
    elif change == "outside_area":
        protocol.areas.set([areas["ML01"]])
    else:
        protocol.rules.exclude(data_category="gbv").delete()
    with pytest.raises(services.ReferralRefused) as excinfo:
        refer(monitor, person, world["medical"])
    assert codes_of(excinfo) == {"no_protocol"}


def test_the_protocol_caps_the_level(world, monitor, person):
    consent(monitor, person)
    world["protocol"].rules.update(max_level=2)
    with pytest.raises(services.ReferralRefused) as excinfo:
        refer(monitor, person, world["medical"], level=3)
    assert codes_of(excinfo) == {"above_protocol_level"}
    referral = refer(monitor, person, world["medical"], level=2)
    assert referral.status == "sent" and referral.protocol == world["protocol"]


def test_identity_goes_to_a_named_receiver_who_may_hold_it(world, monitor, person):
    consent(monitor, person)
    Service.objects.filter(pk=world["medical"].pk).update(receiver=None)
    world["medical"].refresh_from_db()
    with pytest.raises(services.ReferralRefused) as excinfo:
        refer(monitor, person, world["medical"], level=4)
    assert codes_of(excinfo) == {"no_named_receiver"}
    with pytest.raises(services.ReferralRefused) as excinfo:
        refer(monitor, person, world["medical"], level=4, receiver=world["triage"])
    assert codes_of(excinfo) == {"receiver_cannot_hold_identities"}


def test_every_reason_is_given_at_once(world, monitor, person):
    stranger = OrganisationFactory(acronym="ONG-Y")
    service = service_factory(
        stranger, service_type=ServiceType.LEGAL, areas=[world["gao"]], status="suspended"
    )
    with pytest.raises(services.ReferralRefused) as excinfo:
        refer(monitor, person, service)
    assert codes_of(excinfo) == {"no_consent", "service_inactive", "no_protocol"}


def test_a_second_open_referral_to_the_same_service_is_refused(world, monitor, person):
    consent(monitor, person)
    refer(monitor, person, world["medical"])
    with pytest.raises(services.ReferralRefused) as excinfo:
        refer(monitor, person, world["medical"])
    assert codes_of(excinfo) == {"already_referred"}


def test_a_viewer_may_not_refer(world, person, user_with_role, monitor):
    consent(monitor, person)
    viewer = user_with_role("viewer")
    with pytest.raises(services.ReferralRefused) as excinfo:
        refer(viewer, person, world["in_house"])
    assert "not_permitted" in codes_of(excinfo)


def test_in_house_referral_needs_no_protocol(world, monitor, person):
    consent(monitor, person)
    Protocol.objects.all().update(status="suspended")
    referral = refer(monitor, person, world["in_house"])
    assert referral.protocol is None and referral.status == "sent"


# --------------------------------------------------------------------------- lifecycle


def test_the_whole_lifecycle(world, monitor, person, django_capture_on_commit_callbacks):
    consent(monitor, person)
    with unscoped():
        need = Need.objects.create(
            incident=person.incident,
            person=person,
            service_type=ServiceType.MEDICAL,
            identified_on=dt.date(2013, 2, 15),
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # e-mail leaves after the commit
        referral = refer(monitor, person, world["medical"], urgency="urgent", need=need)
    jobs.work()  # the worker sends the mail queued after the commit
    today = timezone.localdate()
    assert referral.status == "sent" and referral.reference.startswith("REF-DRC-")
    assert referral.follow_up_due == today + dt.timedelta(days=3)
    need.refresh_from_db()
    assert need.outcome == "referred"
    # the named receiver is told, by e-mail too, without personal data
    assert [m.to for m in mail.outbox] == [["cw@unfpa.test"]]
    assert "Maïga" not in mail.outbox[0].body
    receiver = world["receiver"]
    services.move_referral(receiver, referral, "acknowledged")
    services.move_referral(receiver, referral, "accepted", note="Rendez-vous jeudi au CSRéf.")
    assert referral.follow_up_due == today + dt.timedelta(days=7)
    services.move_referral(receiver, referral, "provided", provided_on=today)
    assert referral.follow_up_due == today + dt.timedelta(days=7)
    services.move_referral(monitor, referral, "closed", note="Suivi fait.")
    referral.refresh_from_db()
    assert referral.status == "closed" and referral.follow_up_due is None
    assert referral.provided_on == today and referral.closed_at is not None
    steps = list(
        ReferralEvent.objects.filter(referral=referral).values_list("to_status", flat=True)
    )
    assert steps == ["draft", "sent", "acknowledged", "accepted", "provided", "closed"]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"referral.create", "referral.send", "referral.accepted", "referral.closed"} <= actions
    kinds = list(Notification.objects.filter(recipient=monitor).values_list("kind", flat=True))
    assert kinds.count("referral.status") == 3


def test_a_draft_is_invisible_to_the_provider_until_sent(world, monitor, person):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"], send=False)
    assert referral.status == "draft"
    assert policy.referral_level(world["receiver"], referral) == -1
    with unscoped():
        inbox = policy.scope_referrals(world["receiver"], Referral.objects.all(), "received")
        assert list(inbox) == []
    services.send_referral(monitor, referral)
    with unscoped():
        inbox = policy.scope_referrals(world["receiver"], Referral.objects.all(), "received")
    assert list(inbox) == [referral]


def test_each_side_makes_only_its_own_moves(world, monitor, person):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    with pytest.raises(services.DomainError):
        services.move_referral(monitor, referral, "accepted")
    with pytest.raises(services.DomainError):
        services.move_referral(world["receiver"], referral, "withdrawn", note="non")
    with pytest.raises(services.DomainError):
        services.move_referral(world["receiver"], referral, "provided")  # not accepted yet
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_declining_needs_a_reason_and_other_needs_a_note(world, monitor, person):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    with pytest.raises(services.DomainError) as excinfo:
        services.move_referral(world["receiver"], referral, "declined")
    assert excinfo.value.field == "decline_reason"
    with pytest.raises(services.DomainError) as excinfo:
        services.move_referral(world["receiver"], referral, "declined", decline_reason="other")
    assert excinfo.value.field == "note"
    services.move_referral(world["receiver"], referral, "declined", decline_reason="no_capacity")
    assert referral.status == "declined" and referral.decline_reason == "no_capacity"
    assert Notification.objects.filter(recipient=monitor, kind="referral.declined").exists()
    # the person may then be referred to the same service again
    assert refer(monitor, person, world["medical"]).status == "sent"


def test_service_cannot_be_provided_in_the_future(world, monitor, person):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    services.move_referral(world["receiver"], referral, "accepted")
    with pytest.raises(services.DomainError) as excinfo:
        services.move_referral(
            world["receiver"],
            referral,
            "provided",
            provided_on=timezone.localdate() + dt.timedelta(days=1),
        )
    assert excinfo.value.field == "provided_on"


def test_withdrawing_needs_a_reason_and_hides_the_case_from_the_provider(world, monitor, person):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"], level=4)
    assert policy.referral_level(world["receiver"], referral) == 4
    with pytest.raises(services.DomainError):
        services.move_referral(monitor, referral, "withdrawn")
    services.move_referral(monitor, referral, "withdrawn", note="La personne a quitté Gao.")
    assert policy.referral_level(world["receiver"], referral) == 1
    view = policy.redact_referral(world["receiver"], referral)
    assert "summary" not in view and "full_name" not in view and "sex" not in view
    assert Notification.objects.filter(
        recipient=world["receiver"], kind="referral.withdrawn"
    ).exists()


def test_withdrawing_consent_withdraws_open_referrals(world, monitor, person):
    answer = consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    incident_services.withdraw_consent(monitor, answer)
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    assert policy.referral_level(world["receiver"], referral) == 1


def test_consent_given_again_keeps_the_referral_live(world, monitor, person):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    consent(monitor, person)  # a new answer replaces the earlier one
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert policy.referral_level(world["receiver"], referral) == 3


# --------------------------------------------------------------------------- what each side sees


def test_the_provider_sees_only_what_the_referral_carries(world, monitor, person, client_for):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"], level=3)
    receiver, triage = world["receiver"], world["triage"]
    assert policy.referral_level(receiver, referral) == 3
    view = policy.redact_referral(receiver, referral)
    assert view["summary"].startswith("Soins médicaux")
    assert "full_name" not in view
    # never the incident, its narrative, or anyone else in it
    with pytest.raises(Http404):
        policy.get_or_404(receiver, Incident, person.incident.public_id, "incident.view")
    assert not policy.can(receiver, "person.view", person)
    page = client_for(receiver).get(f"/referrals/{referral.public_id}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Soins médicaux" in body
    assert "Maïga" not in body and "Tassiga" not in body
    # reading the summary is audited
    assert AuditEvent.objects.filter(action="referral.read", actor=receiver).exists()
    # the org admin (level 3) triages without identity
    assert policy.referral_level(triage, referral) == 3


def test_a_name_reaches_the_named_receiver_only(world, monitor, person, user_with_role):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"], level=4)
    other_cw = user_with_role("case_worker", referral.provider)
    assert policy.referral_level(world["receiver"], referral) == 4
    assert policy.redact_referral(world["receiver"], referral)["full_name"] == "Fatoumata Maïga"
    assert policy.referral_level(other_cw, referral) == 3
    assert "full_name" not in policy.redact_referral(other_cw, referral)
    event = AuditEvent.objects.filter(action="referral.read", actor=world["receiver"]).last()
    assert event.level == 4


def test_suspending_the_protocol_leaves_the_provider_a_stub(world, monitor, person):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    Protocol.objects.filter(pk=world["protocol"].pk).update(status="suspended")
    referral.protocol.refresh_from_db()
    assert policy.referral_level(world["receiver"], referral) == 1
    assert not policy.may_act(world["receiver"], referral, "provider")


def test_the_inbox_holds_incoming_referrals_only(world, monitor, person, user_with_role, provider):
    consent(monitor, person)
    incoming = refer(monitor, person, world["medical"])
    second = person_factory(monitor, person.incident, full_name="Aïssata Touré")
    consent(monitor, second)
    own = refer(monitor, second, world["in_house"])
    outsider = user_with_role("case_worker", OrganisationFactory(acronym="IRC"))
    viewer = user_with_role("viewer", provider)
    with unscoped():
        inbox = list(policy.scope_referrals(world["receiver"], Referral.objects.all(), "received"))
        sent_box = list(policy.scope_referrals(world["receiver"], Referral.objects.all(), "sent"))
        drc_inbox = list(policy.scope_referrals(monitor, Referral.objects.all(), "received"))
        drc_sent = set(policy.scope_referrals(monitor, Referral.objects.all(), "sent"))
        assert list(policy.scope_referrals(outsider, Referral.objects.all(), "received")) == []
        assert list(policy.scope_referrals(viewer, Referral.objects.all(), "received")) == []
    assert inbox == [incoming] and sent_box == []
    assert drc_inbox == []  # the monitor does not answer referrals
    assert drc_sent == {incoming, own}
    assert policy.referral_level(outsider, incoming) == -1
    with pytest.raises(Http404):
        policy.get_referral_or_404(outsider, incoming.public_id)
    assert AuditEvent.objects.filter(action="access.refused", actor=outsider).exists()


def test_a_sender_colleague_without_person_view_does_not_see_the_referral(
    world, monitor, person, user_with_role
):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    viewer = user_with_role("viewer")
    assert policy.referral_level(viewer, referral) == -1
    with unscoped():
        assert list(policy.scope_referrals(viewer, Referral.objects.all(), "sent")) == []


# --------------------------------------------------------------------------- follow-up


def test_overdue_list_and_reminders_once_a_day(world, monitor, person):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    today = timezone.localdate()
    with unscoped():
        Referral.objects.filter(pk=referral.pk).update(follow_up_due=today - dt.timedelta(days=2))
        late = list(services.overdue(Referral.objects.all()))
    assert late == [referral]
    assert services.remind_overdue() == 1
    assert services.remind_overdue() == 0  # once a day
    kinds = Notification.objects.filter(kind="referral.overdue")
    assert {n.recipient for n in kinds} == {world["receiver"], monitor}
    assert services.remind_overdue(today + dt.timedelta(days=1)) == 1


def test_follow_up_date_cannot_be_in_the_past(world, monitor, person):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    with pytest.raises(services.DomainError):
        services.update_follow_up(monitor, referral, due=dt.date(2013, 1, 1))
    due = timezone.localdate() + dt.timedelta(days=10)
    services.update_follow_up(world["receiver"], referral, due=due)
    referral.refresh_from_db()
    assert referral.follow_up_due == due


def test_consent_scope_stays_the_referral_scope():
    assert Consent.Scope.REFERRAL == "referral"
