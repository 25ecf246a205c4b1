"""After filing: acknowledge, answer (and its checks), answer with an earlier answer, decline,
close or withdraw; reminders; the register's figures; earlier requests and reuse."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from passerelle.core.errors import DomainError
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent, Notification
from passerelle.policy import inforequests as rules
from passerelle.sharing.models import Protocol

from .. import services, similarity
from ..models import DeclineReason, Request, RequestEvent, Reuse

pytestmark = pytest.mark.django_db

STATS = "/sharing/aggregates/?purpose=analysis&rows=area&data_category=hr"


def kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True)
    )


def answer(actor, request, **values):
    values.setdefault("answer", "1 240 PDI enregistrées à Gao, 310 à Ansongo.")
    values.setdefault("answer_level", 1)
    return services.answer_request(actor, request, **values)


# --------------------------------------------------------------------------- lifecycle


def test_acknowledge_then_answer(world, ask):
    request = ask()
    services.acknowledge_request(world["fp"], request, assignee=world["admin"])
    request.refresh_from_db()
    assert request.status == "acknowledged" and request.assignee == world["admin"]
    assert request.acknowledged_at is not None
    answer(world["admin"], request, answer_link=STATS)
    request.refresh_from_db()
    assert request.status == "answered" and request.answered_by == world["admin"]
    assert request.answer_level == 1 and request.answer_link == STATS
    assert kinds(world["asker"]) == ["request.acknowledged", "request.answered"]
    assert list(request.events.values_list("kind", flat=True)) == [
        "created",
        "routed",
        "acknowledged",
        "answered",
    ]
    assert AuditEvent.objects.filter(action="request.answered", object_id=str(request.public_id))


def test_only_an_answerer_of_the_addressee_is_assigned(world, ask):
    request = ask()
    with pytest.raises(DomainError) as excinfo:
        services.acknowledge_request(world["fp"], request, assignee=world["unhcr_viewer"])
    assert excinfo.value.field == "assignee"
    with pytest.raises(DomainError):
        services.acknowledge_request(world["fp"], request, assignee=world["outsider"])
    request.refresh_from_db()
    assert request.status == "open"


@pytest.mark.parametrize("who", ["asker", "sister", "unhcr_viewer", "outsider"])
def test_only_those_who_answer_for_the_addressee_act_on_its_side(world, ask, who):
    request = ask()
    for move in (
        lambda: services.acknowledge_request(world[who], request),
        lambda: answer(world[who], request),
        lambda: services.decline_request(world[who], request, reason="not_held"),
    ):
        with pytest.raises(Http404):
            move()
    request.refresh_from_db()
    assert request.status == "open"
    assert AuditEvent.objects.filter(
        action="access.refused", actor=world[who], detail__action="request.answer"
    ).exists()


def test_decline_with_a_reason_and_other_needs_a_note(world, ask):
    request = ask()
    with pytest.raises(DomainError) as excinfo:
        services.decline_request(world["fp"], request, reason="")
    assert excinfo.value.field == "decline_reason"
    with pytest.raises(DomainError) as excinfo:
        services.decline_request(world["fp"], request, reason=DeclineReason.OTHER, note=" ")
    assert excinfo.value.field == "decline_note"
    services.decline_request(world["fp"], request, reason=DeclineReason.NOT_HELD)
    request.refresh_from_db()
    assert request.status == "declined" and request.decline_reason == "not_held"
    assert request.closed_at is not None
    assert kinds(world["asker"])[-1] == "request.declined"


def test_the_asker_withdraws_an_open_request_and_the_handlers_are_told(world, ask):
    request = ask()
    with pytest.raises(Http404):  # the addressee does not close the asker's request
        services.close_request(world["fp"], request)
    with pytest.raises(Http404):  # reads it, may not ask
        services.close_request(world["hrd_viewer"], request)
    with pytest.raises(Http404):  # a sister component does not follow another's request up
        services.close_request(world["sister"], request)
    services.close_request(world["asker"], request)
    request.refresh_from_db()
    assert request.status == "closed"
    assert "request.withdrawn" in kinds(world["fp"])
    assert AuditEvent.objects.filter(action="request.withdrawn").count() == 1


def test_the_asker_closes_an_answered_request(world, ask):
    request = ask()
    answer(world["fp"], request)
    services.close_request(world["asker"], request, note="Merci.")
    request.refresh_from_db()
    assert request.status == "closed" and request.answer  # the answer stays
    assert AuditEvent.objects.filter(action="request.closed").count() == 1
    assert "request.withdrawn" not in kinds(world["fp"])


@pytest.mark.parametrize("status", ["answered", "declined", "closed"])
def test_moves_from_the_wrong_status_are_refused(world, ask, status):
    request = ask()
    if status == "answered":
        answer(world["fp"], request)
    elif status == "declined":
        services.decline_request(world["fp"], request, reason="capacity")
    else:
        services.close_request(world["asker"], request)
    request.refresh_from_db()
    with pytest.raises(DomainError, match="cannot be changed"):
        services.acknowledge_request(world["fp"], request)
    with pytest.raises(DomainError, match="cannot be changed"):
        answer(world["fp"], request)
    with pytest.raises(DomainError, match="cannot be changed"):
        services.decline_request(world["fp"], request, reason="capacity")
    if status != "answered":
        with pytest.raises(DomainError, match="cannot be changed"):
            services.close_request(world["asker"], request)
    request.refresh_from_db()
    assert request.status == status


# --------------------------------------------------------------------------- answer checks


def test_an_answer_more_detailed_than_asked_is_refused(world, ask, protocol):
    request = ask(level=2, data_category="hr")
    with pytest.raises(DomainError) as excinfo:
        answer(world["fp"], request, answer_level=3)
    assert excinfo.value.field == "answer_level"
    answer(world["fp"], request, answer_level=2)
    request.refresh_from_db()
    assert request.answer_level == 2


def test_a_detailed_answer_needs_the_protocol_still_in_force(world, ask, protocol):
    request = ask(level=2, data_category="hr")
    Protocol.objects.filter(pk=protocol.pk).update(status=Protocol.Status.SUSPENDED)
    request.refresh_from_db()
    with pytest.raises(DomainError, match="no longer in force"):
        answer(world["fp"], request, answer_level=2)
    answer(world["fp"], request, answer_level=1)  # aggregates still may be given


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/sharing/aggregates/",
        "//evil.example/sharing/aggregates/",
        "/admin/",
        "/sharing/aggregates/../../admin/",
        "/sharing/aggregates/%2e%2e/%2e%2e/admin/",
        "javascript:alert(1)",
    ],
)
def test_a_link_anywhere_but_a_statistics_page_is_refused(world, ask, link):
    request = ask()
    with pytest.raises(DomainError) as excinfo:
        answer(world["fp"], request, answer_link=link)
    assert excinfo.value.field == "answer_link"
    request.refresh_from_db()
    assert request.status == "open"


def test_records_shared_in_answer_are_disclosures_to_the_asker(
    world, ask, protocol, disclose, user_with_role
):
    request = ask(level=2, data_category="hr")
    to_asker = disclose(protocol, world["hrd"])
    to_sister = disclose(protocol, world["hrd"])
    to_sister.recipient = world["cps"]  # (a disclosure to another organisation)
    to_sister.save()
    withdrawn = disclose(protocol, world["hrd"], revoked_at=timezone.now())
    for wrong in (to_sister, withdrawn):
        with pytest.raises(DomainError) as excinfo:
            answer(world["fp"], request, answer_level=2, disclosures=[to_asker, wrong])
        assert excinfo.value.field == "answer_disclosures"
    answer(world["fp"], request, answer_level=2, disclosures=[to_asker])
    with unscoped():  # disclosures are guarded
        assert list(request.answer_disclosures.all()) == [to_asker]
    # what the asker reads goes through the policy: the asker sees the record given
    asker = world["asker"]
    assert list(rules.answer_disclosures(asker, request)) == [to_asker]


# --------------------------------------------------------------------------- earlier answers


def test_a_repeated_request_is_answered_with_the_earlier_answer(world, ask, protocol, disclose):
    earlier = ask(actor=world["sister"], asker=world["cps"])
    answer(world["fp"], earlier, answer_link=STATS)
    request = ask(subject="Chiffres des déplacés à Gao")
    services.answer_with_earlier(world["fp"], request, earlier=earlier)
    request.refresh_from_db()
    assert request.status == "answered" and request.duplicate_of == earlier
    assert request.answer.reveal() == earlier.answer.reveal()  # sealed at rest
    assert request.answer_link == STATS
    with unscoped():
        assert not request.answer_disclosures.exists()
    assert request.events.last().kind == RequestEvent.Kind.DUPLICATE
    assert request.events.last().note == earlier.reference
    audit = AuditEvent.objects.filter(action="request.answered").last()
    assert audit.detail["duplicate_of"] == earlier.reference
    assert kinds(world["asker"])[-1] == "request.answered"


def test_an_earlier_request_without_an_answer_cannot_answer(world, ask):
    earlier = ask(actor=world["sister"], asker=world["cps"])
    request = ask()
    with pytest.raises(DomainError, match="no answer yet"):
        services.answer_with_earlier(world["fp"], request, earlier=earlier)
    with pytest.raises(DomainError):
        services.answer_with_earlier(world["fp"], request, earlier=request)


def test_an_earlier_request_of_other_organisations_cannot_answer(world, ask, user_with_role):
    amss_asker = user_with_role("monitor", world["outsider_org"])
    other = ask(actor=amss_asker, asker=world["outsider_org"], addressee=world["cps"])
    services.answer_request(
        user_with_role("focal_point", world["cps"]), other, answer="x", answer_level=1
    )
    request = ask()
    with pytest.raises(DomainError, match="received and answered"):
        services.answer_with_earlier(world["fp"], request, earlier=other)


def test_an_answer_the_organisation_received_is_not_relayed(world, ask, user_with_role):
    """UNHCR asked AMSS and got an answer; UNHCR may not pass that answer on to HRD as its
    own: only what the addressee itself answered can answer a repeated request."""
    unhcr_asks = ask(
        actor=world["unhcr_monitor"], asker=world["unhcr"], addressee=world["outsider_org"]
    )
    services.answer_request(world["outsider"], unhcr_asks, answer="Chiffres AMSS", answer_level=1)
    request = ask()
    with pytest.raises(DomainError, match="received and answered"):
        services.answer_with_earlier(world["fp"], request, earlier=unhcr_asks)
    request.refresh_from_db()
    assert request.status == "open" and request.answer is None


def test_an_earlier_detailed_answer_does_not_become_an_aggregate(world, ask, protocol):
    """An answer written at level 2 keeps its level: it does not answer a level-1 request
    (whose answer sister components would read)."""
    earlier = ask(level=2, data_category="hr")
    answer(world["fp"], earlier, answer="Trois incidents le 12 mars à Ansongo.", answer_level=2)
    request = ask(level=1, subject="Incidents à Gao")
    with pytest.raises(DomainError, match="more detailed than what was asked"):
        services.answer_with_earlier(world["fp"], request, earlier=earlier)
    request.refresh_from_db()
    assert request.status == "open" and request.duplicate_of is None


# --------------------------------------------------------------------------- reminders


def test_reminders_for_requests_due_tomorrow_and_overdue_once_a_day(world, ask):
    today = timezone.localdate()
    soon = ask(due_on=today + dt.timedelta(days=1))
    late = ask(subject="Retours")
    later = ask(subject="Documentation civile", due_on=today + dt.timedelta(days=5))
    answered = ask(subject="Abris")
    with unscoped():
        Request.objects.filter(pk__in=[late.pk, answered.pk]).update(
            due_on=today - dt.timedelta(days=2)
        )
    answer(world["fp"], answered)
    assert services.remind_requests(today) == {"due": 1, "overdue": 1}
    assert kinds(world["fp"]).count("request.due") == 1
    assert kinds(world["fp"]).count("request.overdue") == 1
    assert services.remind_requests(today) == {}  # once a day
    # two days later, the first is overdue too
    assert services.remind_requests(today + dt.timedelta(days=2)) == {"overdue": 2}
    for request in (soon, late):
        assert request.events.filter(kind="reminded").exists()
    assert not later.events.filter(kind="reminded").exists()
    assert not answered.events.filter(kind="reminded").exists()


def test_the_assignee_alone_is_reminded(world, ask):
    request = ask(due_on=timezone.localdate())
    services.acknowledge_request(world["fp"], request, assignee=world["admin"])
    services.remind_requests()
    assert "request.due" in kinds(world["admin"]) and "request.due" not in kinds(world["fp"])


def test_the_command_prints_the_counts_and_is_idempotent(world, ask):
    ask(due_on=timezone.localdate())
    out = io.StringIO()
    call_command("remind_requests", stdout=out)
    assert out.getvalue().startswith("1 request(s) due soon and 0 overdue")
    out = io.StringIO()
    call_command("remind_requests", stdout=out)
    assert out.getvalue().startswith("0 request(s) due soon and 0 overdue")


# --------------------------------------------------------------------------- figures


def test_metrics_on_a_known_set(world, ask, theme):
    """Five requests: three answered in 2, 4 and 9 days (median 4; two on time), one of them
    with an earlier answer; one declined; one overdue; two reuses."""
    now = timezone.now()
    today = timezone.localdate()
    made = [
        ask(subject=f"Demande {i}", thematic_area=theme(t))
        for i, t in enumerate(["durable_solutions", "durable_solutions", "gbv", "gbv", "hlp"])
    ]
    cps = ask(actor=world["sister"], asker=world["cps"], subject="CPS")
    answer(world["fp"], made[0])
    answer(world["fp"], made[1])
    services.answer_with_earlier(world["fp"], made[2], earlier=made[0])
    services.decline_request(world["fp"], made[3], reason="capacity")
    for request, days_to_answer, due_in in ((made[0], 2, 5), (made[1], 4, 3), (made[2], 9, 10)):
        with unscoped():
            Request.objects.filter(pk=request.pk).update(
                created_at=now - dt.timedelta(days=20),
                answered_at=now - dt.timedelta(days=20 - days_to_answer),
                due_on=(now - dt.timedelta(days=20 - due_in)).date(),
            )
    with unscoped():
        Request.objects.filter(pk=made[4].pk).update(due_on=today - dt.timedelta(days=1))
    for organisation in (world["cps"], world["mission"]):
        Reuse.objects.create(request=made[0], organisation=organisation)
    figures = services.metrics(rules.scope_requests(world["admin"]))
    assert figures["total"] == 6
    assert figures["by_asker"] == {
        "CPS": {"durable_solutions": 1},
        "HRD": {"durable_solutions": 2, "gbv": 2, "hlp": 1},
    }
    assert [t.code for t in figures["themes"]] == [
        t.code for t in sorted(figures["themes"], key=lambda t: t.order)
    ]
    assert figures["answered"] == 3 and figures["median_days"] == 4.0
    assert figures["answered_in_time"] == 2  # the second was answered a day late
    assert figures["reused"] == 2 and figures["duplicates_caught"] == 1
    assert figures["overdue"] == 1 and figures["pending"] == 2 and figures["declined"] == 1
    # what HRD's officer may read: the same set (HRD's own, and its sister CPS's)
    assert services.metrics(rules.scope_requests(world["asker"]))["total"] == 6
    assert services.metrics(rules.scope_requests(world["outsider"]))["total"] == 0
    assert cps.is_pending


# --------------------------------------------------------------------------- earlier requests


def draft_of(subject, body, theme, area, **kwargs):
    return similarity.Draft(
        terms=similarity.request_terms(subject, body),
        thematic_area=theme.pk,
        data_category=kwargs.get("data_category", ""),
        area_pcode=area.pcode,
        period_start=None,
        period_end=None,
    )


def test_a_paraphrase_finds_the_earlier_request_of_a_sister_component(world, ask, theme, areas):
    earlier = ask(
        actor=world["sister"],
        asker=world["cps"],
        subject="Nombre d'enfants recrutés par les groupes armés à Gao",
        body="Chiffres des enfants recrutés et utilisés, par cercle, pour le rapport trimestriel.",
        thematic_area=theme("child_protection"),
    )
    draft = draft_of(
        "Number of children recruited by armed groups in Gao",
        "Figures of children recruited and used by armed groups, by cercle, for the quarterly "
        "report.",
        theme("child_protection"),
        areas["ML0701"],
    )
    found = services.suggestions(world["asker"], draft)
    assert [s.candidate for s in found] == [earlier] and found[0].score >= similarity.THRESHOLD
    # an outsider does not see it; another region is another request
    assert services.suggestions(world["outsider"], draft) == []
    elsewhere = draft_of(
        "Number of children recruited", "", theme("child_protection"), areas["ML06"]
    )
    assert services.suggestions(world["asker"], elsewhere) == []


def test_requests_declined_as_duplicates_are_not_suggested(world, ask, theme, areas):
    earlier = ask()
    services.decline_request(world["fp"], earlier, reason=DeclineReason.DUPLICATE)
    draft = draft_of(
        earlier.subject, earlier.body.reveal(), theme("durable_solutions"), areas["ML07"]
    )
    assert services.suggestions(world["asker"], draft) == []


def test_taking_an_earlier_request_counts_a_duplicate_avoided(world, ask):
    earlier = ask(actor=world["sister"], asker=world["cps"])
    reuse = services.reuse_request(
        world["asker"], earlier, organisation=world["hrd"], subject="Déplacés à Gao"
    )
    assert reuse.request == earlier and reuse.organisation == world["hrd"]
    assert AuditEvent.objects.filter(action="request.reused").count() == 1
    with pytest.raises(DomainError):  # not in the name of an organisation one does not ask for
        services.reuse_request(world["asker"], earlier, organisation=world["unhcr"])
    with pytest.raises(Http404):
        services.reuse_request(world["outsider"], earlier, organisation=world["outsider_org"])
    assert Reuse.objects.count() == 1
