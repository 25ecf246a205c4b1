"""The points d'entrée: per active objective and thematic area, the focal points in the
mission and in the cluster, the relevant components, open questions and concerns, and the
annex "who does what"; HTML to print and a PDF in the language asked for, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from passerelle.core.models import AuditEvent

from ..entry_points import build
from ..models import ActorProfile, Objective, ObjectiveComponent, ObjectiveNote
from .pdftext import pdf_text

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
URL = "/directory/entry-points/"


@pytest.fixture
def strategy(org, other_org, hrd, cps, unicef, areas, make_fp, theme, today):
    """Two active objectives (children; SGBV and human rights), one inactive; focal points on
    both sides, one past; components, notes, profiles."""
    children = Objective.objects.create(
        code="OS1",
        order=1,
        title_fr="Prévenir les violations graves contre les enfants",
        title_en="Prevent grave violations against children",
    )
    children.thematic_areas.set([theme("child_protection")])
    violence = Objective.objects.create(
        code="OS2",
        order=2,
        title_fr="Répondre aux violences sexuelles liées aux conflits",
        title_en="Respond to conflict-related sexual violence",
    )
    violence.thematic_areas.set([theme("gbv"), theme("human_rights")])
    dormant = Objective.objects.create(
        code="OS9",
        order=9,
        title_fr="Objectif en sommeil",
        title_en="Dormant objective",
        active=False,
    )
    dormant.thematic_areas.set([theme("hlp")])
    ObjectiveComponent.objects.create(
        objective=children, organisation=cps, relevance="direct", activities="MRM reporting"
    )
    ObjectiveComponent.objects.create(
        objective=children, organisation=hrd, relevance="indirect", activities="Investigations"
    )
    ObjectiveNote.objects.create(objective=children, kind="question", text="Who covers Kidal?")
    ObjectiveNote.objects.create(
        objective=children, kind="concern", text="Resolved concern", resolved=True
    )
    ObjectiveNote.objects.create(objective=violence, kind="concern", text="Access to survivors")
    fps = {
        "cps": make_fp(cps, "child_protection", "Anne Martin", title="Senior adviser (CPA)"),
        "drc_gao": make_fp(org, "child_protection", "Mariam Touré", areas=[areas["ML07"]]),
        "unicef_tbk": make_fp(unicef, "child_protection", "Oumar Sy", areas=[areas["ML06"]]),
        "wpa": make_fp(
            hrd,
            "gbv",
            "Claire Dubois",
            title="Women protection adviser",
            email="wpa@minusma.test",
            place=areas["ML0703"],
        ),
        "amss_gbv": make_fp(other_org, "gbv", "Aminata Keïta", areas=[areas["ML0701"]]),
        "hr": make_fp(hrd, "human_rights", "Paul Diallo"),
        "past": make_fp(org, "gbv", "Jean Ancien", since=today - 300 * DAY, until=today - DAY),
        "hlp": make_fp(org, "hlp", "Lina Logement"),
    }
    ActorProfile.objects.create(
        organisation=unicef,
        role_fr="Chef de file protection de l'enfance",
        role_en="Child protection area of responsibility lead",
    )
    ActorProfile.objects.create(
        organisation=hrd,
        role_fr="Division des droits de l'homme",
        role_en="Human rights monitoring and reporting",
    )
    return {"children": children, "violence": violence, "fps": fps}


def _names(rows):
    return sorted(r["name"] for r in rows)


def test_focal_points_per_objective_thematic_area_and_side(strategy):
    with translation.override("en"):
        doc = build()
    assert [o["code"] for o in doc["objectives"]] == ["OS1", "OS2"]  # OS9 is inactive
    children, violence = doc["objectives"]
    assert children["title"] == "Prevent grave violations against children"
    [cp] = children["themes"]
    assert cp["name"] == "Child protection"
    assert _names(cp["mission"]) == ["Anne Martin"]
    assert _names(cp["cluster"]) == ["Mariam Touré", "Oumar Sy"]
    gbv, hr = violence["themes"]
    assert (gbv["code"], hr["code"]) == ("gbv", "human_rights")
    assert _names(gbv["mission"]) == ["Claire Dubois"]
    assert _names(gbv["cluster"]) == ["Aminata Keïta"]  # Jean Ancien's term is over
    assert _names(hr["mission"]) == ["Paul Diallo"] and hr["cluster"] == []
    assert [c["organisation"] for c in children["direct"]] == ["CPS"]
    assert [c["activities"] for c in children["indirect"]] == ["Investigations"]
    assert children["questions"] == ["Who covers Kidal?"] and children["concerns"] == []
    assert violence["concerns"] == ["Access to survivors"]
    # a thematic area under no active objective still shows its focal points
    assert [t["code"] for t in doc["other_themes"]] == ["hlp"]
    wpa = gbv["mission"][0]
    assert wpa["title"] == "Women protection adviser" and wpa["duty_station"] == "Gao"
    assert wpa["areas"] == [] and wpa["email"] == "wpa@minusma.test"


def test_an_area_keeps_the_focal_points_concerned_and_the_national_ones(strategy):
    with translation.override("en"):
        from passerelle.geography.models import Area

        doc = build(area=Area.objects.get(pcode="ML07"))  # Gao region
    cp = doc["objectives"][0]["themes"][0]
    assert _names(cp["mission"]) == ["Anne Martin"]  # national
    assert _names(cp["cluster"]) == ["Mariam Touré"]  # Gao; not UNICEF's Timbuktu one
    gbv = doc["objectives"][1]["themes"][0]
    assert _names(gbv["cluster"]) == ["Aminata Keïta"]  # Ansongo lies within Gao


def test_the_annex_says_who_does_what_on_each_side(strategy):
    with translation.override("fr"):
        doc = build()
    mission = {a["acronym"]: a for a in doc["annex"]["mission"]}
    cluster = {a["acronym"]: a for a in doc["annex"]["cluster"]}
    assert {"HRPD", "CPS"} <= set(mission) and "UNICEF" not in mission
    assert {"UNICEF", "DRC", "AMSS"} <= set(cluster) and "HRPD" not in cluster
    assert mission["HRPD"]["role"] == "Division des droits de l'homme"
    assert cluster["UNICEF"]["role"] == "Chef de file protection de l'enfance"


def test_the_html_page_lists_the_document(strategy, client_as, other_org):
    response = client_as("viewer", other_org).get(URL + "?lang=en")
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Language"] == "en"
    assert "css/entry_points.css" in html
    for text in [
        "Prevent grave violations against children",
        "Child protection",
        "In the mission",
        "In the cluster",
        "Anne Martin",
        "Claire Dubois",
        "MRM reporting",
        "Who covers Kidal?",
        "Access to survivors",
        "Human rights monitoring and reporting",
    ]:
        assert text in html, text
    for text in ["Jean Ancien", "Dormant objective", "Resolved concern"]:
        assert text not in html, text
    assert html.index("Anne Martin") < html.index("Claire Dubois")  # OS1 before OS2
    assert not AuditEvent.objects.filter(action="entrypoints.export").exists()


def test_the_html_page_filters_by_area(strategy, client_as):
    html = client_as("viewer").get(URL + "?cercle=ML0601&lang=en").content.decode()
    assert "Oumar Sy" in html and "Anne Martin" in html  # Timbuktu region; national
    assert "Mariam Touré" not in html and "Aminata Keïta" not in html


@pytest.mark.parametrize(
    ("language", "interface", "theme_shown", "theme_hidden", "title"),
    [
        (
            "fr",
            "en",
            "Protection de l'enfance",
            "Child protection",
            "Prévenir les violations graves contre les enfants",
        ),
        (
            "en",
            "fr",
            "Child protection",
            "Protection de l'enfance",
            "Prevent grave violations against children",
        ),
    ],
)
def test_the_pdf_is_in_the_language_asked_and_audited(
    strategy, client_as, other_org, language, interface, theme_shown, theme_hidden, title
):
    client = client_as("viewer", other_org, language=interface)
    response = client.get(URL + f"?format=pdf&lang={language}&region=ML07")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="entry-points-ML07-{language}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert theme_shown in text and theme_hidden not in text
    assert title in text
    with translation.override(language):
        for heading in ("In the mission", "In the cluster", "Annex: who does what"):
            assert translation.gettext(heading) in text
    assert "Anne Martin" in text and "Mariam Touré" in text
    assert "Jean Ancien" not in text  # past
    assert "Oumar Sy" not in text  # Timbuktu, outside the region asked
    assert " / " in text  # page numbers, "1 / n"
    event = AuditEvent.objects.get(action="entrypoints.export")
    assert event.actor == client.user and event.outcome == "ok"
    assert event.detail == {"format": "pdf", "language": language, "area": "ML07"}


def test_an_unknown_language_falls_back_on_the_interface(strategy, client_as):
    response = client_as("viewer", language="en").get(URL + "?lang=xx")
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


def test_the_document_needs_a_login(client):
    response = client.get(URL + "?format=pdf")
    assert response.status_code == 302 and "login" in response.url
    assert not AuditEvent.objects.filter(action="entrypoints.export").exists()


def test_the_url_name(client_as):
    assert reverse("directory:entry_points") == URL
