"""Directory pages: readable by everyone (a viewer of another organisation included), edited
by those who manage the organisation (others get 404, audited), forms that keep what was
typed when they refuse it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from passerelle.core.models import AuditEvent

from ..models import ActorProfile, FocalPoint, Objective, ObjectiveNote

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def directory(org, other_org, hrd, cps, unicef, areas, make_fp, today):
    return {
        "drc_cp": make_fp(
            org,
            "child_protection",
            "Mariam Touré",
            title="Child protection officer",
            email="m.toure@drc.test",
            phone="+223 20 00 00 01",
            place=areas["ML0703"],
            areas=[areas["ML07"]],
            deputy_name="Ibrahim Cissé",
        ),
        "cps_cp": make_fp(cps, "child_protection", "Anne Martin", title="Child protection adviser"),
        "hrd_hr": make_fp(hrd, "human_rights", "Paul Diallo", areas=[areas["ML06"]]),
        "amss_gbv": make_fp(other_org, "gbv", "Aminata Keïta", areas=[areas["ML0601"]]),
        "former": make_fp(
            org,
            "child_protection",
            "Jean Ancien",
            since=today - 400 * DAY,
            until=today - 10 * DAY,
        ),
    }


def test_every_page_reads_for_a_viewer_of_another_organisation(
    directory, client_as, other_org, org
):
    objective = Objective.objects.create(code="OS1", title_fr="Enfance", title_en="Children")
    client = client_as("viewer", other_org)
    for name, kwargs in [
        ("directory:index", {}),
        ("directory:objective_list", {}),
        ("directory:objective_detail", {"public_id": objective.public_id}),
        ("directory:profile_list", {}),
        ("directory:entry_points", {}),
    ]:
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, name
    html = client.get(reverse("directory:index")).content.decode()
    assert "Mariam Touré" in html and "Anne Martin" in html and "m.toure@drc.test" in html
    assert "Ibrahim Cissé" in html  # the deputy
    assert "Jean Ancien" not in html  # past focal points only on demand
    assert reverse("directory:focal_point_create") not in html  # a viewer adds nothing
    assert "/edit/" not in html


def test_the_directory_needs_a_login(client):
    response = client.get(reverse("directory:index"))
    assert response.status_code == 302 and "login" in response.url


def test_past_focal_points_on_demand(directory, client_as):
    html = client_as("viewer").get(reverse("directory:index") + "?past=on").content.decode()
    assert "Jean Ancien" in html and "Mariam Touré" in html


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("thematic_area=child_protection", ["Mariam Touré", "Anne Martin"], ["Paul Diallo"]),
        ("organisation=AMSS", ["Aminata Keïta"], ["Mariam Touré", "Anne Martin"]),
        ("side=mission", ["Anne Martin", "Paul Diallo"], ["Mariam Touré", "Aminata Keïta"]),
        ("side=cluster", ["Mariam Touré", "Aminata Keïta"], ["Anne Martin", "Paul Diallo"]),
        # Ansongo (Gao): DRC covers Gao region, CPS the whole country; not Timbuktu's
        ("cercle=ML0701", ["Mariam Touré", "Anne Martin"], ["Paul Diallo", "Aminata Keïta"]),
        # Timbuktu region: HRPD (the region) and AMSS (Diré, within it) and national CPS
        ("region=ML06", ["Paul Diallo", "Aminata Keïta", "Anne Martin"], ["Mariam Touré"]),
    ],
)
def test_filters(directory, client_as, query, present, absent):
    html = client_as("viewer").get(reverse("directory:index") + "?" + query).content.decode()
    for name in present:
        assert name in html, (query, name)
    for name in absent:
        assert name not in html, (query, name)


def test_an_org_admin_sees_edit_links_for_its_own_focal_points_only(directory, client_as):
    html = client_as("org_admin").get(reverse("directory:index")).content.decode()
    own = reverse("directory:focal_point_edit", kwargs={"public_id": directory["drc_cp"].public_id})
    theirs = reverse(
        "directory:focal_point_edit", kwargs={"public_id": directory["amss_gbv"].public_id}
    )
    assert own in html and theirs not in html
    assert reverse("directory:focal_point_create") in html


def test_editing_another_organisations_focal_point_answers_404_and_is_audited(
    directory, client_as, other_org
):
    client = client_as("org_admin", other_org)
    fp = directory["drc_cp"]
    for name in ("directory:focal_point_edit", "directory:focal_point_end"):
        url = reverse(name, kwargs={"public_id": fp.public_id})
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "Hijack", "until": "2013-01-01"}).status_code == 404
    fp.refresh_from_db()
    assert fp.name == "Mariam Touré" and fp.until is None
    refusal = AuditEvent.objects.filter(action="access.refused").last()
    assert refusal.actor == client.user and refusal.object_id == str(fp.public_id)
    assert refusal.organisation == fp.organisation
    assert refusal.detail["action"] == "focalpoint.manage"


def test_a_viewer_may_not_open_the_focal_point_form(client_as):
    assert client_as("viewer").get(reverse("directory:focal_point_create")).status_code == 403


def test_the_organisation_select_offers_only_organisations_one_manages(client_as, org, other_org):
    form = client_as("org_admin").get(reverse("directory:focal_point_create")).context["form"]
    assert list(form.fields["organisation"].queryset) == [org]
    form = client_as("im_officer").get(reverse("directory:focal_point_create")).context["form"]
    assert set(form.fields["organisation"].queryset) >= {org, other_org}


def _post_data(org, **extra):
    data = {
        "organisation": org.pk,
        "thematic_area": "",
        "name": "Fatou Sidibé",
        "title": "GBV officer",
        "email": "f.sidibe@drc.test",
        "phone": "",
        "since": "2013-06-01",
        "until": "",
        "note": "",
        "deputy_name": "",
    }
    data.update(extra)
    return data


def test_creating_a_focal_point(client_as, org, theme, areas):
    client = client_as("org_admin")
    response = client.post(
        reverse("directory:focal_point_create"),
        _post_data(
            org,
            thematic_area=theme("gbv").pk,
            areas=[areas["ML07"].pk],
            place=areas["ML0703"].pk,
        ),
    )
    assert response.status_code == 302
    fp = FocalPoint.objects.get()
    assert (fp.name, fp.organisation, fp.thematic_area.code) == ("Fatou Sidibé", org, "gbv")
    assert [a.pcode for a in fp.areas.all()] == ["ML07"] and fp.place.pcode == "ML0703"


def test_a_refused_form_keeps_what_was_typed(client_as, org, theme):
    client = client_as("org_admin")
    response = client.post(
        reverse("directory:focal_point_create"),
        _post_data(org, thematic_area=theme("gbv").pk, until="2013-05-01", email="not-an-email"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The end date cannot be before the start date." in html
    assert "Enter a valid email address." in html
    assert 'value="Fatou Sidibé"' in html and 'value="GBV officer"' in html
    assert not FocalPoint.objects.exists()


def test_a_service_refusal_shows_on_the_form(client_as, org, other_org, theme, user_with_role):
    stranger = user_with_role("case_worker", other_org, username="amss.cw")
    client = client_as("im_officer", org)
    response = client.post(
        reverse("directory:focal_point_create"),
        _post_data(org, thematic_area=theme("gbv").pk, user=stranger.pk),
    )
    assert response.status_code == 200
    assert "is not an active member of DRC" in response.content.decode()
    assert 'value="Fatou Sidibé"' in response.content.decode()


def test_ending_a_focal_point(directory, client_as, today):
    fp = directory["drc_cp"]
    client = client_as("org_admin")
    url = reverse("directory:focal_point_end", kwargs={"public_id": fp.public_id})
    response = client.post(url, {"until": (fp.since - DAY).isoformat()})
    assert response.status_code == 200 and "before the start date" in response.content.decode()
    response = client.post(url, {"until": today.isoformat()})
    assert response.status_code == 302
    fp.refresh_from_db()
    assert fp.until == today


def test_objective_pages(client_as, cps, hrd, theme, directory):
    client = client_as("im_officer")
    data = {
        "code": "OS2",
        "order": "2",
        "title_fr": "Protéger les enfants",
        "title_en": "Protect children",
        "description_fr": "",
        "description_en": "",
        "thematic_areas": [theme("child_protection").pk],
        "active": "on",
        "components-TOTAL_FORMS": "3",
        "components-INITIAL_FORMS": "0",
        "components-0-organisation": cps.pk,
        "components-0-relevance": "direct",
        "components-0-activities": "Monitoring and reporting mechanism",
        "components-1-organisation": hrd.pk,
        "components-1-relevance": "indirect",
        "components-1-activities": "Investigations",
        "components-2-organisation": "",
        "components-2-relevance": "direct",
        "components-2-activities": "",
    }
    response = client.post(reverse("directory:objective_create"), data)
    assert response.status_code == 302
    objective = Objective.objects.get(code="OS2")
    detail = reverse("directory:objective_detail", kwargs={"public_id": objective.public_id})
    client.post(
        reverse("directory:objective_note_add", kwargs={"public_id": objective.public_id}),
        {"kind": "question", "text": "Who follows up in Kidal?"},
    )
    client.post(
        reverse("directory:objective_note_add", kwargs={"public_id": objective.public_id}),
        {"kind": "concern", "text": "Access to detention sites"},
    )
    concern = ObjectiveNote.objects.get(kind="concern")
    resolve = reverse("directory:objective_note_resolve", kwargs={"public_id": objective.public_id})
    assert client.post(resolve, {"note": "nonsense"}).status_code == 404
    assert client.post(resolve, {"note": concern.pk}).status_code == 302
    viewer = client_as("viewer")
    response = viewer.get(detail)
    html = response.content.decode()
    assert "Monitoring and reporting mechanism" in html and "Investigations" in html
    assert [c.organisation.acronym for c in response.context["direct"]] == ["CPS"]
    assert [c.organisation.acronym for c in response.context["indirect"]] == ["HRPD"]
    assert "Who follows up in Kidal?" in html
    assert '<li class="muted">' in html and "<del>Access to detention sites</del>" in html
    # the objective's thematic area brings its focal points, mission and cluster sides
    theme_rows = response.context["themes"][0]
    assert [r["name"] for r in theme_rows["mission"]] == ["Anne Martin"]
    assert [r["name"] for r in theme_rows["cluster"]] == ["Mariam Touré"]
    edit = reverse("directory:objective_edit", kwargs={"public_id": objective.public_id})
    assert edit not in html  # a viewer does not edit
    form = client.get(edit)
    assert form.status_code == 200
    assert form.context["components"].initial[0]["activities"] == (
        "Monitoring and reporting mechanism"
    )
    assert "Investigations" in form.content.decode()


def test_objective_writes_need_directory_manage(client_as, other_org):
    objective = Objective.objects.create(code="OS1", title_fr="x", title_en="x")
    client = client_as("org_admin", other_org)
    assert client.get(reverse("directory:objective_create")).status_code == 403
    url = reverse("directory:objective_note_add", kwargs={"public_id": objective.public_id})
    assert client.post(url, {"kind": "question", "text": "x"}).status_code == 403
    assert not ObjectiveNote.objects.exists()


def test_an_invalid_objective_form_keeps_its_rows(client_as, cps):
    data = {
        "code": "",
        "order": "1",
        "title_fr": "",
        "title_en": "",
        "components-TOTAL_FORMS": "2",
        "components-INITIAL_FORMS": "0",
        "components-0-organisation": cps.pk,
        "components-0-relevance": "direct",
        "components-0-activities": "Keep me",
        "components-1-organisation": cps.pk,
        "components-1-relevance": "indirect",
        "components-1-activities": "",
    }
    response = client_as("im_officer").post(reverse("directory:objective_create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Give a title in French or in English." in html
    assert "CPS is listed twice" in html
    assert "Keep me" in html
    assert not Objective.objects.exists()


def test_profiles(client_as, org, other_org, hrd, theme):
    admin = client_as("org_admin")
    url = reverse("directory:profile_edit", kwargs={"public_id": org.public_id})
    assert admin.get(url).status_code == 200
    response = admin.post(
        url,
        {
            "role_fr": "Suivi de protection et gestion de cas",
            "role_en": "Protection monitoring and case management",
            "thematic_areas": [theme("gbv").pk],
            "contact": "protection@drc.test",
        },
    )
    assert response.status_code == 302
    assert ActorProfile.objects.get(organisation=org).contact == "protection@drc.test"
    other = reverse("directory:profile_edit", kwargs={"public_id": other_org.public_id})
    assert admin.get(other).status_code == 404
    html = (
        client_as("viewer", other_org, language="en")
        .get(reverse("directory:profile_list"))
        .content.decode()
    )
    assert "Protection monitoring and case management" in html
    assert html.index("HRPD") < html.index("DRC")  # the mission's side first
    assert other not in html and url not in html
    html = (
        client_as("viewer", other_org, language="fr")
        .get(reverse("directory:profile_list"))
        .content.decode()
    )
    assert "Suivi de protection et gestion de cas" in html


def test_a_note_is_resolved_only_under_its_own_objective(client_as):
    first = Objective.objects.create(code="OS1", title_fr="Un", title_en="One")
    second = Objective.objects.create(code="OS2", title_fr="Deux", title_en="Two")
    note = ObjectiveNote.objects.create(objective=first, kind="question", text="?")
    client = client_as("im_officer")
    wrong = reverse("directory:objective_note_resolve", kwargs={"public_id": second.public_id})
    assert client.post(wrong, {"note": note.pk}).status_code == 404
    assert client.get(wrong).status_code == 405
    note.refresh_from_db()
    assert not note.resolved
