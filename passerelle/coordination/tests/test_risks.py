"""The engagement risk register: recording an analysis, reviews and when they are due, the
reminders, closing, and the register pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from passerelle.coordination import services
from passerelle.coordination.models import EngagementRisk, RiskReview
from passerelle.core.errors import DomainError
from passerelle.core.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def today():
    return timezone.localdate()


@pytest.fixture
def drc_fp(org, user_with_role):
    return user_with_role("focal_point", org, username="drc.fp")


def analysis(actor, organisation, **changes):
    values = {
        "organisation": organisation,
        "title": "Perçue comme partie à la stabilisation",
        "principle": "neutrality",
        "likelihood": 3,
        "impact": 4,
        "mitigation": "Observer status only; no joint visits; public messaging.",
        "review_every_days": 30,
    }
    values.update(changes)
    return services.save_risk(actor, None, **values)


def test_an_analysis_is_first_reviewed_one_period_after_today(drc_fp, org, un_agency):
    risk = analysis(drc_fp, org, shared_with=[un_agency, org])
    assert risk.next_review == today() + 30 * DAY
    assert risk.score == 12
    assert set(risk.shared_with.all()) == {un_agency}  # not shared with itself
    event = AuditEvent.objects.get(action="risk.create")
    assert event.organisation == org and event.detail["shared_with"] == ["UNHCR"]


def test_only_the_organisations_risk_managers_record_its_analyses(org, other_org, user_with_role):
    viewer = user_with_role("viewer", org)
    with pytest.raises(DomainError):
        analysis(viewer, org)
    outsider = user_with_role("focal_point", other_org)
    with pytest.raises(DomainError):
        analysis(outsider, org)
    assert not EngagementRisk.objects.exists()
    assert AuditEvent.objects.filter(action="access.refused", actor=outsider).exists()


def test_the_risk_owner_works_for_the_organisation(drc_fp, org, other_org, user_with_role):
    stranger = user_with_role("focal_point", other_org)
    with pytest.raises(DomainError) as refused:
        analysis(drc_fp, org, owner_user=stranger)
    assert refused.value.field == "owner_user"


def test_an_analysis_stays_with_its_organisation(drc_fp, org, other_org, user_with_role):
    risk = analysis(drc_fp, org)
    both = user_with_role("focal_point", other_org)
    user_with_role("focal_point", org, username=both.username)  # also in DRC
    with pytest.raises(DomainError):
        services.save_risk(
            both,
            risk,
            organisation=other_org,
            title="x",
            principle="neutrality",
            likelihood=1,
            impact=1,
        )


def test_a_review_updates_the_scores_and_sets_the_next_review(drc_fp, org):
    risk = analysis(drc_fp, org)
    review = services.review_risk(
        drc_fp,
        risk,
        likelihood=2,
        impact=5,
        note="Joint patrol proposal declined",
        reviewed_on=today() - 2 * DAY,
    )
    risk.refresh_from_db()
    assert (risk.likelihood, risk.impact, risk.score) == (2, 5, 10)
    assert risk.next_review == today() - 2 * DAY + 30 * DAY
    assert review.reviewed_by == drc_fp and list(risk.reviews.all()) == [review]
    assert AuditEvent.objects.get(action="risk.review").detail["before"] == 12


def test_a_review_is_not_dated_in_the_future_nor_made_on_a_closed_analysis(drc_fp, org):
    risk = analysis(drc_fp, org)
    with pytest.raises(DomainError) as future:
        services.review_risk(drc_fp, risk, likelihood=1, impact=1, reviewed_on=today() + DAY)
    assert future.value.field == "reviewed_on"
    with pytest.raises(DomainError):
        services.review_risk(drc_fp, risk, likelihood=6, impact=1)
    services.close_risk(drc_fp, risk, note="Engagement ended")
    with pytest.raises(DomainError):
        services.review_risk(drc_fp, risk, likelihood=1, impact=1)
    assert RiskReview.objects.filter(risk=risk).count() == 1  # the closing note


@pytest.mark.parametrize(
    ("offset", "status", "due"),
    [(0, "open", True), (-10, "accepted", True), (1, "open", False), (-10, "closed", False)],
    ids=["due-today", "past", "future", "closed"],
)
def test_which_reviews_are_due(org, make_risk, offset, status, due):
    risk = make_risk(org, next_review=today() + offset * DAY, status=status)
    assert risk.review_due() is due
    assert EngagementRisk.objects.review_due().filter(pk=risk.pk).exists() is due


@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    offsets=st.lists(st.integers(min_value=-400, max_value=400), min_size=1, max_size=6),
    statuses=st.lists(st.sampled_from(["open", "accepted", "closed"]), min_size=6, max_size=6),
    on_offset=st.integers(min_value=-30, max_value=30),
)
def test_the_due_list_and_the_analysis_agree(org, make_risk, offsets, statuses, on_offset):
    with transaction.atomic():
        on = today() + on_offset * DAY
        risks = [
            make_risk(org, next_review=today() + n * DAY, status=statuses[i])
            for i, n in enumerate(offsets)
        ]
        listed = set(EngagementRisk.objects.review_due(on).values_list("pk", flat=True))
        assert listed == {r.pk for r in risks if r.review_due(on)}
        transaction.set_rollback(True)


def test_review_reminders_go_to_the_owner_or_the_risk_managers_once_a_day(
    org, drc_fp, user_with_role, make_risk
):
    owner = user_with_role("org_admin", org)
    user_with_role("viewer", org)  # no risk.manage: not told
    named = make_risk(org, next_review=today(), owner_user=owner)
    unnamed = make_risk(org, next_review=today() - 5 * DAY)
    make_risk(org, next_review=today() + DAY)
    assert services.remind_risk_reviews() == 2
    assert services.remind_risk_reviews() == 0
    sent = Notification.objects.filter(kind="coordination.risk_review_due")
    assert {n.recipient for n in sent if str(named.public_id) in n.url} == {owner}
    assert {n.recipient for n in sent if str(unnamed.public_id) in n.url} == {owner, drc_fp}
    assert services.remind_risk_reviews(today() + DAY) == 3  # the next day, the third is due


def test_closing_records_why_and_drops_the_analysis_from_the_due_list(drc_fp, org, make_risk):
    risk = make_risk(org, next_review=today() - DAY)
    services.close_risk(drc_fp, risk, note="Left the body")
    risk.refresh_from_db()
    assert risk.status == "closed" and not risk.review_due()
    assert risk.reviews.get().note == "Left the body"
    with pytest.raises(DomainError):
        services.close_risk(drc_fp, risk)


# --------------------------------------------------------------------------- pages


def test_the_register_lists_own_and_shared_analyses_with_reviews_due_on_top(
    org, other_org, mission, drc_fp, make_risk, client_for
):
    own_due = make_risk(org, title="Own, due", next_review=today(), likelihood=5, impact=4)
    make_risk(org, title="Own, later", next_review=today() + 40 * DAY)
    make_risk(other_org, title="Shared by AMSS", shared_with=[org])
    make_risk(other_org, title="AMSS only")
    make_risk(org, title="Closed one", status="closed")
    response = client_for(drc_fp).get(reverse("coordination:risk_register"))
    assert response.status_code == 200
    assert response.context["due"] == [own_due]
    titles = {r.title for r in response.context["risks"]}
    assert titles == {"Own, due", "Own, later", "Shared by AMSS"}
    matrix = {
        (line["likelihood"], cell["impact"]): cell["count"]
        for line in response.context["matrix"]
        for cell in line["cells"]
    }
    assert matrix[(5, 4)] == 1 and matrix[(3, 4)] == 2 and sum(matrix.values()) == 3
    everything = client_for(drc_fp).get(reverse("coordination:risk_register"), {"closed": "1"})
    assert "Closed one" in everything.content.decode()


def test_the_mission_reads_a_shared_analysis_but_does_not_change_it(
    org, mission_component, drc_fp, make_risk, user_with_role, client_for
):
    risk = make_risk(org, title="Analyse DRC")
    hrd = client_for(user_with_role("focal_point", mission_component))
    detail = reverse("coordination:risk_detail", args=[risk.public_id])
    assert hrd.get(detail).status_code == 404
    assert AuditEvent.objects.filter(action="access.refused", organisation=org).exists()
    risk.shared_with.add(mission_component)
    page = hrd.get(detail)
    assert page.status_code == 200 and page.context["review_form"] is None
    assert hrd.get(reverse("coordination:risk_edit", args=[risk.public_id])).status_code == 403
    review = hrd.post(
        reverse("coordination:risk_review", args=[risk.public_id]),
        {"likelihood": "1", "impact": "1"},
    )
    assert review.status_code == 403
    assert not risk.reviews.exists()


def test_a_viewer_has_no_risk_register(org, user_with_role, client_for):
    client = client_for(user_with_role("viewer", org))
    assert client.get(reverse("coordination:risk_register")).status_code == 403


def test_an_analysis_is_recorded_and_reviewed_through_the_pages(org, drc_fp, client_for):
    client = client_for(drc_fp)
    response = client.post(
        reverse("coordination:risk_create"),
        {
            "organisation": org.pk,
            "title": "Acceptance by armed groups",
            "principle": "independence",
            "likelihood": "4",
            "impact": "5",
            "review_every_days": "60",
            "status": "open",
        },
    )
    risk = EngagementRisk.objects.get()
    assert response.status_code == 302 and risk.next_review == today() + 60 * DAY
    refused = client.post(
        reverse("coordination:risk_review", args=[risk.public_id]),
        {"likelihood": "2", "impact": "2", "reviewed_on": (today() + 3 * DAY).isoformat()},
    )
    assert refused.status_code == 200
    assert "cannot be dated in the future" in refused.content.decode()
    done = client.post(
        reverse("coordination:risk_review", args=[risk.public_id]),
        {"likelihood": "2", "impact": "2", "note": "Dialogue established"},
    )
    assert done.status_code == 302
    risk.refresh_from_db()
    assert risk.score == 4 and risk.next_review == today() + 60 * DAY
