"""Incident pages: forms and their errors (French and English), list filters, pagination,
query counts, the verification form, and who is refused."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.incidents import services
from passerelle.incidents.models import Incident, VerificationEvent
from passerelle.incidents.tests.factories import category, incident_factory, term
from passerelle.vocabularies.models import Term

pytestmark = pytest.mark.django_db

FR_CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
needs_french_catalogue = pytest.mark.xfail(
    not FR_CATALOGUE.exists(),
    reason="the French catalogue (locale/fr/LC_MESSAGES/django.mo) is not compiled yet",
    strict=False,
)


class _FieldErrors(HTMLParser):
    """Errors shown inside each form field's block, by the id of the field's label."""

    def __init__(self):
        super().__init__()
        self.errors: dict[str, list[str]] = {}
        self._field = None
        self._in_error = False
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "div":
            if "field" in classes:
                self._field, self._depth = "?", 1
            elif self._field:
                self._depth += 1
        elif tag == "label" and self._field == "?":
            self._field = attrs.get("for", "?")
        elif tag == "p" and self._field and "error" in classes:
            self._in_error = True
            self.errors.setdefault(self._field, []).append("")

    def handle_endtag(self, tag):
        if tag == "p":
            self._in_error = False
        elif tag == "div" and self._field:
            self._depth -= 1
            if self._depth == 0:
                self._field = None

    def handle_data(self, data):
        if self._in_error:
            self.errors[self._field][-1] += data.strip()


def field_errors(response) -> dict[str, list[str]]:
    parser = _FieldErrors()
    parser.feed(response.content.decode())
    return parser.errors


def _incident_form(org, areas, **overrides):
    data = {
        "organisation": org.pk,
        "occurred_on": "2013-02-14",
        "date_precision": "day",
        "region": areas["ML07"].pk,
        "area": areas["ML0701"].pk,
        "category": category("pm.attacks_on_civilians").pk,
        "narrative": "Tirs sur le marché.",
        "classification": "",
        "count_f_18_59": "2",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _created():
    with unscoped():
        return Incident.objects.count(), AuditEvent.objects.filter(action="incident.create").count()


# --------------------------------------------------------------------------- recording


def test_a_monitor_records_an_incident_through_the_form(client_as, org, areas):
    client = client_as("monitor")
    response = client.post(reverse("incidents:create"), _incident_form(org, areas))
    with unscoped():
        incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "incidents:detail", kwargs={"public_id": incident.public_id}
    )
    assert incident.total_victims == 2
    assert incident.recorded_by == client.user


INVALID = {
    "future date": (
        {"occurred_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()},
        "occurred_on",
        "The date of the incident cannot be in the future.",
    ),
    "latitude without longitude": (
        {"latitude": "16.27", "longitude": ""},
        "latitude",
        "Give both latitude and longitude, or neither.",
    ),
    "sub-type not in category": (
        {"category": "mrm.maiming", "sub_type": "mrm.killing.shooting"},
        "sub_type",
        "This sub-type does not belong to the chosen category.",
    ),
    "area not in region": (
        {"region": "ML07", "area": "ML0101"},
        "area",
        "This cercle is not in the chosen region.",
    ),
}


def _resolve(values, areas):
    """Turn P-codes and category codes of the table above into form values."""
    resolved = {}
    for key, value in values.items():
        if key in ("region", "area"):
            resolved[key] = areas[value].pk
        elif key in ("category", "sub_type"):
            resolved[key] = category(value).pk
        else:
            resolved[key] = value
    return resolved


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("case", sorted(INVALID))
def test_form_errors_name_the_field_and_nothing_is_written(case, language, client_as, org, areas):
    values, field, message = INVALID[case]
    client = client_as("monitor", language=language)
    before = _created()
    response = client.post(
        reverse("incidents:create"), _incident_form(org, areas, **_resolve(values, areas))
    )
    assert response.status_code == 200
    with translation.override(language):
        expected = gettext(message)
    assert field_errors(response).get(f"id_{field}") == [expected]
    assert f'<html lang="{language}">' in response.content.decode()
    assert _created() == before


@needs_french_catalogue
@pytest.mark.parametrize("case", sorted(INVALID))
def test_form_errors_are_in_french_for_french_users(case, client_as, org, areas):
    values, field, message = INVALID[case]
    response = client_as("monitor", language="fr").post(
        reverse("incidents:create"), _incident_form(org, areas, **_resolve(values, areas))
    )
    shown = field_errors(response)[f"id_{field}"][0]
    assert shown != message


def test_the_accept_language_header_chooses_the_language_without_a_cookie(client_as, org, areas):
    values, field, message = INVALID["future date"]
    client = client_as("monitor", language=None)
    response = client.post(
        reverse("incidents:create"),
        _incident_form(org, areas, **values),
        HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9",
    )
    assert field_errors(response)[f"id_{field}"] == [message]
    assert '<html lang="en">' in response.content.decode()


def test_a_missing_required_field_is_named_in_french_by_django(client_as, org, areas):
    """Django's own messages are translated already; the French page uses them."""
    response = client_as("monitor", language="fr").post(
        reverse("incidents:create"), _incident_form(org, areas, occurred_on="")
    )
    assert field_errors(response)["id_occurred_on"] == ["Ce champ est obligatoire."]


@pytest.mark.parametrize("role", ["viewer", "verifier", "case_worker", "org_admin"])
def test_roles_without_create_cannot_open_the_form(role, client_as, org, areas):
    client = client_as(role)
    assert client.get(reverse("incidents:create")).status_code == 403
    before = _created()
    assert client.post(reverse("incidents:create"), _incident_form(org, areas)).status_code == 403
    assert _created() == before


def test_the_edit_form_saves_changes(monitor, incident, client_for, org, areas):
    response = client_for(monitor).post(
        reverse("incidents:edit", kwargs={"public_id": incident.public_id}),
        _incident_form(org, areas, narrative="Récit corrigé.", classification="3"),
    )
    assert response.status_code == 302
    with unscoped():
        stored = Incident.objects.get(pk=incident.pk)
    assert stored.narrative.reveal() == "Récit corrigé."


def test_an_invalid_edit_changes_nothing(monitor, incident, client_for, org, areas):
    response = client_for(monitor).post(
        reverse("incidents:edit", kwargs={"public_id": incident.public_id}),
        _incident_form(org, areas, latitude="16.2", narrative="Ne doit pas être enregistré."),
    )
    assert response.status_code == 200
    assert field_errors(response)["id_latitude"]
    with unscoped():
        stored = Incident.objects.get(pk=incident.pk)
    assert "Tassiga" in stored.narrative.reveal()


# --------------------------------------------------------------------------- the list


@pytest.fixture
def listed(monitor, areas):
    """Incidents in Gao and Tombouctou, of two categories and two statuses, over 2013."""
    made = {}
    specs = {
        "gao-jan": ("ML0701", "pm.attacks_on_civilians", dt.date(2013, 1, 10)),
        "gao-mar": ("ML0702", "pm.explosive_ordnance", dt.date(2013, 3, 5)),
        "tbt-feb": ("ML0605", "pm.attacks_on_civilians", dt.date(2013, 2, 20)),
        "tbt-jun": ("ML06", "mrm.killing", dt.date(2013, 6, 1)),
    }
    for key, (pcode, code, day) in specs.items():
        made[key] = incident_factory(
            monitor, area=areas[pcode], category=category(code), occurred_on=day
        )
    with unscoped():
        Incident.objects.filter(pk=made["tbt-feb"].pk).update(
            verification_status="under_verification"
        )
    return made


def _shown(response, listed) -> set[str]:
    page = response.content.decode()
    return {key for key, incident in listed.items() if incident.reference in page}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, {"gao-jan", "gao-mar", "tbt-feb", "tbt-jun"}),
        ({"date_from": "2013-02-01", "date_to": "2013-03-31"}, {"gao-mar", "tbt-feb"}),
        ({"date_from": "2013-03-01"}, {"gao-mar", "tbt-jun"}),
        ({"region": "ML07"}, {"gao-jan", "gao-mar"}),
        ({"region": "ML06"}, {"tbt-feb", "tbt-jun"}),
        ({"area": "ML0701"}, {"gao-jan"}),
        ({"category": "pm.attacks_on_civilians"}, {"gao-jan", "tbt-feb"}),
        ({"framework": "mrm"}, {"tbt-jun"}),
        ({"status": "under_verification"}, {"tbt-feb"}),
        ({"status": "reported", "region": "ML06"}, {"tbt-jun"}),
    ],
    ids=lambda v: ",".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else None,
)
def test_the_list_filters(params, expected, listed, client_as, areas):
    query = {}
    for key, value in params.items():
        if key in ("region", "area"):
            query[key] = areas[value].pk
        elif key in ("category", "framework"):
            query[key] = category(value).pk
        else:
            query[key] = value
    response = client_as("viewer").get(reverse("incidents:list"), query)
    assert response.status_code == 200
    assert _shown(response, listed) == expected
    assert response.context["page"].paginator.count == len(expected)


def test_the_list_filters_by_reference(listed, client_as):
    ref = listed["gao-mar"].reference
    response = client_as("viewer").get(reverse("incidents:list"), {"reference": ref.lower()[-6:]})
    assert _shown(response, listed) == {"gao-mar"}


def test_an_inverted_period_is_an_error_on_the_end_date(listed, client_as):
    response = client_as("viewer").get(
        reverse("incidents:list"), {"date_from": "2013-06-01", "date_to": "2013-01-01"}
    )
    assert "The end of the period is before its start." in response.content.decode()


def test_htmx_gets_only_the_table(listed, client_as):
    response = client_as("viewer").get(reverse("incidents:list"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="results">')
    assert "<html" not in page
    assert _shown(response, listed) == set(listed)


@pytest.fixture
def thirty(monitor, areas):
    """30 incidents with every related field filled (what a list row may touch)."""
    age = term(Term.Vocabulary.AGE_GROUP, "12_17")
    return [
        incident_factory(
            monitor,
            occurred_on=dt.date(2013, 1, 1) + dt.timedelta(days=i),
            area=areas["ML0701" if i % 2 else "ML0605"],
            category=category("mrm.killing"),
            sub_type=category("mrm.killing.shooting"),
            perpetrator=term(Term.Vocabulary.PERPETRATOR, "non_state_armed_group"),
            source_type=term(Term.Vocabulary.SOURCE_TYPE, "witness"),
            source_reliability=term(Term.Vocabulary.RELIABILITY, "02"),
            victim_counts={("f", age): 1, ("m", age): 2},
        )
        for i in range(30)
    ]


def test_the_list_is_paginated_by_25_newest_first(thirty, client_as):
    client = client_as("viewer")
    first = client.get(reverse("incidents:list"))
    second = client.get(reverse("incidents:list"), {"page": 2})
    assert len(first.context["rows"]) == settings.PASSERELLE_PAGE_SIZE == 25
    assert len(second.context["rows"]) == 5
    newest_first = sorted(thirty, key=lambda i: i.occurred_on, reverse=True)
    assert [r.reference for r in first.context["rows"]] == [i.reference for i in newest_first[:25]]
    assert [r.reference for r in second.context["rows"]] == [i.reference for i in newest_first[25:]]


def test_pagination_keeps_the_filters(thirty, client_as, areas):
    response = client_as("viewer").get(
        reverse("incidents:list"), {"region": areas["ML01"].pk, "page": "1"}
    )
    assert response.context["querystring"] == f"region={areas['ML01'].pk}"


@pytest.mark.parametrize("role", ["viewer", "verifier", "org_admin", "monitor"])
def test_the_list_runs_a_fixed_number_of_queries(
    role, thirty, client_as, django_assert_max_num_queries
):
    """25 rows, whoever reads them: no query per row."""
    client = client_as(role)
    client.get(reverse("incidents:list"))
    with django_assert_max_num_queries(18):  # session, user, memberships, 2FA, break-glass...
        response = client.get(reverse("incidents:list"))
    assert len(response.context["rows"]) == 25


@pytest.mark.parametrize("role", ["verifier", "org_admin", "monitor"])
def test_listing_incidents_does_not_audit_confidential_reads(role, thirty, client_as):
    """The list shows level-2 columns only: it is not a read of narratives or places."""
    client = client_as(role)
    before = AuditEvent.objects.count()
    client.get(reverse("incidents:list"))
    assert not AuditEvent.objects.filter(pk__gt=0, action="incident.read").exists()
    assert AuditEvent.objects.count() == before


# --------------------------------------------------------------------------- languages


@pytest.mark.parametrize(
    "language, region, other", [("fr", "Tombouctou", "Timbuktu"), ("en", "Timbuktu", "Tombouctou")]
)
def test_pages_render_in_both_languages(language, region, other, monitor, areas, client_for):
    incident = incident_factory(monitor, area=areas["ML0605"], category=category("mrm.killing"))
    client = client_for(monitor, language=language)
    term = category("mrm.killing")
    label = term.label_fr if language == "fr" else term.label_en
    for url in (
        reverse("incidents:list"),
        reverse("incidents:detail", kwargs={"public_id": incident.public_id}),
        reverse("incidents:edit", kwargs={"public_id": incident.public_id}),
        reverse("incidents:create"),
        reverse("core:home"),
    ):
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in page, url
        with translation.override(language):
            assert gettext("Log out") in page, url
        if "create" not in url:
            assert region in page and other not in page, url
            assert escape(label) in page, url


@needs_french_catalogue
def test_the_french_pages_are_translated(monitor, client_for):
    page = client_for(monitor, language="fr").get(reverse("incidents:list")).content.decode()
    for english in ("Log out", "Record an incident", "Filter", "Reset", "Verification status"):
        with translation.override("fr"):
            french = gettext(english)
        assert french != english
        assert french in page


# --------------------------------------------------------------------------- verification


def _verify(client, incident, **data):
    return client.post(reverse("incidents:verify", kwargs={"public_id": incident.public_id}), data)


def test_a_verifier_moves_the_status_through_the_page(incident, client_as):
    client = client_as("verifier")
    detail = client.get(reverse("incidents:detail", kwargs={"public_id": incident.public_id}))
    assert 'name="to_status"' in detail.content.decode()
    response = _verify(client, incident, to_status="under_verification", note="")
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert "Verification status changed." in follow.content.decode()
    with unscoped():
        assert Incident.objects.get(pk=incident.pk).verification_status == "under_verification"


def test_a_transition_not_allowed_is_refused_with_a_message(incident, client_as):
    client = client_as("verifier")
    response = _verify(client, incident, to_status="verified")
    follow = client.get(response["Location"])
    assert "Choose a status allowed from the current one." in follow.content.decode()
    assert not VerificationEvent.objects.exists()


def test_discarding_without_a_note_is_refused_with_a_message(incident, client_as):
    client = client_as("verifier")
    response = _verify(client, incident, to_status="discarded", note=" ")
    follow = client.get(response["Location"])
    assert "Explain why in a note." in follow.content.decode()
    assert not VerificationEvent.objects.exists()


@pytest.mark.parametrize("role", ["monitor", "viewer", "org_admin", "case_worker"])
def test_roles_without_verify_see_no_form_and_are_refused(role, incident, client_as):
    client = client_as(role)
    detail = client.get(reverse("incidents:detail", kwargs={"public_id": incident.public_id}))
    assert 'name="to_status"' not in detail.content.decode()
    assert _verify(client, incident, to_status="under_verification").status_code == 403
    assert not VerificationEvent.objects.exists()


def test_a_verifier_of_another_organisation_gets_404(incident, other_org, client_as):
    client = client_as("verifier", other_org)
    assert _verify(client, incident, to_status="under_verification").status_code == 404
    assert not VerificationEvent.objects.exists()


def test_anonymous_verification_is_sent_to_login(incident, client):
    response = _verify(client, incident, to_status="under_verification")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --------------------------------------------------------------------------- persons


def test_a_monitor_adds_a_person_with_identity_through_the_form(monitor, incident, client_for):
    response = client_for(monitor).post(
        reverse("incidents:person_create", kwargs={"public_id": incident.public_id}),
        {"role": "victim", "sex": "f", "age": "16", "disability": "no", "full_name": "Awa Cissé"},
    )
    assert response.status_code == 302
    found = list(services.find_persons(monitor, name="awa cisse"))
    assert len(found) == 1 and found[0].age_group.code == "12_17"


def test_an_invalid_phone_is_shown_on_the_phone_field(monitor, incident, client_for):
    response = client_for(monitor).post(
        reverse("incidents:person_create", kwargs={"public_id": incident.public_id}),
        {"role": "victim", "sex": "f", "disability": "no", "phone": "call me"},
    )
    assert field_errors(response)["id_phone"] == [
        "A phone number may contain only digits, spaces and + - ( )."
    ]


def test_the_person_form_has_no_identity_fields_for_an_unnamed_monitor(incident, client_as):
    response = client_as("monitor").get(
        reverse("incidents:person_create", kwargs={"public_id": incident.public_id})
    )
    assert response.status_code == 200
    assert 'name="full_name"' not in response.content.decode()


def test_consent_is_recorded_through_the_person_page(monitor, person, client_for):
    client = client_for(monitor)
    response = client.post(
        reverse("incidents:consent_record", kwargs={"public_id": person.public_id}),
        {"scope": "referral", "given": "yes", "note": ""},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Consent recorded." in page
    with unscoped():
        assert person.consents.get().given is True
