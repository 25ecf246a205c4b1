"""The referral pathway pages: the list with its gaps, a pathway with its fallbacks, the
editor (prefill, order, errors, refusals) and the sheet for field staff (HTML and PDF)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from django.utils import translation

from passerelle.core.models import AuditEvent
from passerelle.core.pdf import _local_only

from .. import services
from ..models import ESSENTIAL_SERVICES, NeedKind, Pathway, Service, ServiceType
from .factories import service_factory

pytestmark = pytest.mark.django_db

GBV = NeedKind.GBV_SURVIVOR


@pytest.fixture
def manager(user_with_role):
    """The cluster's information-management officer: draws the pathways."""
    return user_with_role("im_officer", username="cluster.im")


@pytest.fixture
def viewer(user_with_role):
    return user_with_role("viewer", username="drc.viewer")


@pytest.fixture
def mapped(areas, org, other_org, provider):
    """Services around Gao (ML07) and Timbuktu (ML06); one in Kayes that serves neither."""
    gao, ansongo, timbuktu = areas["ML07"], areas["ML0701"], areas["ML06"]
    return {
        "gao": gao,
        "ansongo": ansongo,
        "timbuktu": timbuktu,
        "clinic": service_factory(
            provider,
            service_type=ServiceType.MEDICAL,
            areas=[gao],
            name="Clinique mobile UNFPA",
            location="Centre de santé de référence, Gao",
            hours="Lun–ven 8h–16h",
            languages="Français, Songhaï",
            contact_name="Dr Maïga",
            contact_phone="+223 70 00 00 01",
            min_age=0,
            max_age=120,
        ),
        "hospital": service_factory(
            other_org,
            service_type=ServiceType.MEDICAL,
            areas=[ansongo],
            name="Hôpital d'Ansongo",
            contact_phone="+223 70 00 00 02",
        ),
        "psychosocial": service_factory(
            org, service_type=ServiceType.PSYCHOSOCIAL, areas=[gao], name="Écoute DRC Gao"
        ),
        "closed": service_factory(
            org,
            service_type=ServiceType.SAFETY,
            areas=[gao],
            name="Espace sûr fermé",
            status=Service.Status.SUSPENDED,
        ),
        "kayes": service_factory(
            provider, service_type=ServiceType.MEDICAL, areas=[areas["ML01"]], name="Kayes care"
        ),
        "timbuktu_clinic": service_factory(
            provider, service_type=ServiceType.MEDICAL, areas=[timbuktu], name="Clinique de Diré"
        ),
    }


def draw(manager, area, steps, need=GBV, notes=""):
    return services.save_pathway(manager, area=area, need=need, steps=steps, notes=notes)


@pytest.fixture
def gao_gbv(manager, mapped):
    """Gao's GBV pathway: medical (clinic, then hospital), psychosocial, then legal aid with
    no service (a gap)."""
    return draw(
        manager,
        mapped["gao"],
        [
            {
                "service_type": ServiceType.MEDICAL,
                "services": [mapped["clinic"], mapped["hospital"]],
            },
            {"service_type": ServiceType.PSYCHOSOCIAL, "services": [mapped["psychosocial"]]},
            {
                "service_type": ServiceType.LEGAL,
                "services": [],
                "note": "Aucune clinique juridique",
            },
        ],
        notes="Appeler avant de se déplacer.",
    )


def rows_of(html: str) -> list[str]:
    return re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S)


def option_row(html: str, name: str) -> str:
    found = [row for row in rows_of(html) if name in row]
    assert found, f"no row for {name}"
    return found[0]


def post_data(rows: list[dict], notes: str = "", initial: int = 0) -> dict:
    data = {
        "steps-TOTAL_FORMS": str(len(rows)),
        "steps-INITIAL_FORMS": str(initial),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "20",
        "notes": notes,
    }
    for i, row in enumerate(rows):
        data[f"steps-{i}-order"] = str(row.get("order", ""))
        data[f"steps-{i}-service_type"] = row.get("type", "")
        data[f"steps-{i}-note"] = row.get("note", "")
        for rank, service in enumerate(row.get("services", []), start=1):
            data[f"steps-{i}-service_{rank}"] = str(service.pk) if service else ""
        if row.get("delete"):
            data[f"steps-{i}-DELETE"] = "on"
    return data


def shape(pathway: Pathway) -> list[tuple[str, list[str]]]:
    pathway = Pathway.objects.get(pk=pathway.pk)
    return [
        (step.service_type, [o.service.name for o in step.pathway_options.order_by("rank")])
        for step in pathway.steps.order_by("position")
    ]


# --------------------------------------------------------------------------- list


def test_the_list_shows_each_pathway_its_gaps_and_what_a_cercle_inherits(
    gao_gbv, viewer, client_for, django_assert_max_num_queries
):
    client = client_for(viewer)
    with django_assert_max_num_queries(20):
        response = client.get("/referrals/pathways/?region=ML07")
    assert response.status_code == 200
    html = response.content.decode()
    gao_row = option_row(html, "ML07<")
    assert f"/referrals/pathways/{gao_gbv.public_id}/" in gao_row
    assert "3 steps" in gao_row and "1 gap" in gao_row
    ansongo_row = option_row(html, "ML0701")
    assert "Gao&#x27;s pathway" in ansongo_row or "Gao's pathway" in ansongo_row
    assert "No pathway" in ansongo_row  # other situations: nothing drawn
    assert not [row for row in rows_of(html) if "ML0101" in row]  # Kayes is filtered out
    assert "Draw one" not in html  # a viewer cannot draw


def test_the_list_filters_by_cercle_and_situation(gao_gbv, viewer, client_for):
    html = client_for(viewer).get("/referrals/pathways/?cercle=ML0702&need=uasc").content.decode()
    assert [row for row in rows_of(html) if "ML0702" in row]
    assert not [row for row in rows_of(html) if "ML0701" in row or "ML07<" in row]
    headers = re.findall(r'<th scope="col">(.*?)</th>', html)
    assert headers == ["Area", str(NeedKind.UASC.label)]


def test_the_list_offers_a_manager_to_draw_the_missing_pathways(gao_gbv, manager, client_for):
    html = client_for(manager).get("/referrals/pathways/?cercle=ML0701").content.decode()
    assert "/referrals/pathways/new/?area=ML0701&amp;need=uasc" in html


def test_the_list_counts_a_step_whose_services_are_all_suspended_as_a_gap(
    gao_gbv, mapped, viewer, client_for
):
    for name in ("clinic", "hospital"):
        mapped[name].status = Service.Status.SUSPENDED
        mapped[name].save()
    html = client_for(viewer).get("/referrals/pathways/?region=ML07").content.decode()
    assert "2 gaps" in option_row(html, "ML07<")


def test_the_list_in_french_names_the_areas_in_french(mapped, manager, viewer, client_for):
    draw(manager, mapped["timbuktu"], [{"service_type": ServiceType.MEDICAL, "services": []}])
    french = client_for(viewer, "fr").get("/referrals/pathways/?region=ML06").content.decode()
    english = client_for(viewer, "en").get("/referrals/pathways/?region=ML06").content.decode()
    assert 'lang="fr"' in french and "Tombouctou" in french
    assert 'lang="en"' in english and "Timbuktu" in english


def test_the_list_needs_service_view(client_for, user_with_role):
    nobody = user_with_role("system_admin")
    nobody.memberships.all().delete()
    assert client_for(nobody).get("/referrals/pathways/").status_code == 403


# --------------------------------------------------------------------------- detail


def test_the_detail_shows_each_step_with_practical_details_and_gaps(gao_gbv, viewer, client_for):
    response = client_for(viewer).get(f"/referrals/pathways/{gao_gbv.public_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    clinic = option_row(html, "Clinique mobile UNFPA")
    for detail in ("First choice", "Centre de santé de référence, Gao", "Lun–ven 8h–16h"):
        assert detail in clinic
    assert "Français, Songhaï" in clinic and "+223 70 00 00 01" in clinic and "Women" in clinic
    assert "use this one" in clinic
    hospital = option_row(html, "Hôpital d&#x27;Ansongo")
    assert "Fallback 1" in hospital and "use this one" not in hospital
    assert "Only in:" in hospital and "Ansongo" in hospital
    assert "No service available: record the need as a gap." in html
    assert html.count("No service available") == 1
    assert "Aucune clinique juridique" in html and "Appeler avant de se déplacer." in html
    assert f"/referrals/pathways/{gao_gbv.public_id}/edit/" not in html  # not for a viewer


def test_a_suspended_first_choice_is_struck_and_the_fallback_is_the_one_to_use(
    gao_gbv, mapped, viewer, client_for
):
    mapped["clinic"].status = Service.Status.SUSPENDED
    mapped["clinic"].save()
    html = client_for(viewer).get(f"/referrals/pathways/{gao_gbv.public_id}/").content.decode()
    clinic = option_row(html, "Clinique mobile UNFPA")
    assert "<del>" in clinic and "Suspended: do not refer" in clinic
    assert "use this one" not in clinic
    hospital = option_row(html, "Hôpital d&#x27;Ansongo")
    assert 'class="option-use"' in hospital and "use this one" in hospital
    assert "The first choice cannot be used at present" in html
    sheet = client_for(viewer).get(f"/referrals/pathways/{gao_gbv.public_id}/sheet/?lang=en")
    sheet_html = sheet.content.decode()
    assert "suspended: do not refer" in option_row(sheet_html, "Clinique mobile UNFPA")
    assert "use this one" in option_row(sheet_html, "Hôpital d&#x27;Ansongo")


def test_a_step_whose_only_service_is_suspended_is_a_gap(mapped, manager, viewer, client_for):
    pathway = draw(
        manager,
        mapped["gao"],
        [{"service_type": ServiceType.SAFETY, "services": [mapped["closed"]]}],
    )
    html = client_for(viewer).get(f"/referrals/pathways/{pathway.public_id}/").content.decode()
    assert "No service available: record the need as a gap." in html
    assert "use this one" not in html


# --------------------------------------------------------------------------- the sheet


@pytest.mark.parametrize(
    ("language", "interface", "area_name", "other_name"),
    [("fr", "en", "Tombouctou", "Timbuktu"), ("en", "fr", "Timbuktu", "Tombouctou")],
)
def test_the_sheet_is_in_the_language_asked_whatever_the_interface(
    mapped, manager, viewer, client_for, language, interface, area_name, other_name
):
    pathway = draw(
        manager,
        mapped["timbuktu"],
        [{"service_type": ServiceType.MEDICAL, "services": [mapped["timbuktu_clinic"]]}],
    )
    response = client_for(viewer, interface).get(
        f"/referrals/pathways/{pathway.public_id}/sheet/?lang={language}"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"{area_name} (ML06)" in html and other_name not in html
    assert 'class="top"' not in html  # the sheet alone, no navigation
    assert "Clinique de Diré" in html
    with translation.override(language):
        assert str(translation.gettext("Informed consent.")) in html
        assert str(NeedKind.GBV_SURVIVOR.label) in html
    assert "css/pathway_sheet.css" in html


def test_the_sheet_ignores_an_unknown_language(gao_gbv, viewer, client_for):
    html = (
        client_for(viewer, "en")
        .get(f"/referrals/pathways/{gao_gbv.public_id}/sheet/?lang=xx")
        .content.decode()
    )
    assert '<html lang="en">' in html


@pytest.mark.parametrize(
    ("language", "interface", "area_name"), [("fr", "en", "Tombouctou"), ("en", "fr", "Timbuktu")]
)
def test_the_pdf_is_a_real_pdf_in_the_language_asked_and_is_audited(
    mapped, manager, viewer, client_for, language, interface, area_name
):
    pathway = draw(
        manager,
        mapped["timbuktu"],
        [{"service_type": ServiceType.MEDICAL, "services": [mapped["timbuktu_clinic"]]}],
    )
    response = client_for(viewer, interface).get(
        f"/referrals/pathways/{pathway.public_id}/pdf/?lang={language}"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="pathway-ML06-gbv_survivor-{language}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action="pathway.export")
    assert event.actor == viewer
    assert event.object_id == str(pathway.public_id)
    assert event.detail == {
        "format": "pdf",
        "language": language,
        "area": "ML06",
        "need": "gbv_survivor",
    }
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run(  # noqa: S603 - a fixed local tool on our own output
            [pdftotext, "-layout", "-", "-"],
            input=response.content,
            capture_output=True,
            check=True,
        ).stdout.decode()
        assert f"{area_name} (ML06)" in text
        assert "Clinique de Diré" in text
        with translation.override(language):
            assert str(NeedKind.GBV_SURVIVOR.label) in text
        info = subprocess.run(  # noqa: S603
            [shutil.which("pdfinfo") or "pdfinfo", "-"],
            input=response.content,
            capture_output=True,
        ).stdout.decode()
        if info:
            assert re.search(r"Pages:\s+1\b", info), info  # one A4 page


def test_the_pdf_maker_never_fetches_from_the_network():
    with pytest.raises(ValueError):
        _local_only("https://example.org/font.woff2")
    with pytest.raises(ValueError):
        _local_only("file:///etc/passwd")


def test_the_sheet_and_pdf_need_service_view(gao_gbv, client):
    for suffix in ("sheet/", "pdf/"):
        response = client.get(f"/referrals/pathways/{gao_gbv.public_id}/{suffix}")
        assert response.status_code == 302 and "login" in response.url
    assert not AuditEvent.objects.filter(action="pathway.export").exists()


# --------------------------------------------------------------------------- editing


def test_a_new_pathway_is_prefilled_from_the_essential_services(mapped, manager, client_for):
    response = client_for(manager).get("/referrals/pathways/new/?area=ML07&need=gbv_survivor")
    assert response.status_code == 200
    forms = [f for f in response.context["steps"].forms if f.initial]
    assert [f.initial["service_type"] for f in forms] == ESSENTIAL_SERVICES[GBV]
    by_type = {f.initial["service_type"]: f.initial["services"] for f in forms}
    # the clinic covers Gao entirely: it comes before the Ansongo hospital; Kayes is not offered
    assert by_type[ServiceType.MEDICAL] == [mapped["clinic"], mapped["hospital"]]
    assert by_type[ServiceType.PSYCHOSOCIAL] == [mapped["psychosocial"]]
    assert by_type[ServiceType.SAFETY] == []  # the only safety service is suspended
    assert by_type[ServiceType.LEGAL] == []
    html = response.content.decode()
    assert f'<option value="{mapped["clinic"].pk}" selected>' in html
    assert "Kayes care" not in html
    assert not Pathway.objects.exists()  # nothing is saved by looking


def test_a_cercle_pathway_is_offered_the_region_services(mapped, manager, client_for):
    response = client_for(manager).get("/referrals/pathways/new/?area=ML0701&need=gbv_survivor")
    forms = [f for f in response.context["steps"].forms if f.initial]
    medical = [f for f in forms if f.initial["service_type"] == ServiceType.MEDICAL][0]
    # both cover all of Ansongo (the clinic through its region): by provider
    assert medical.initial["services"] == [mapped["hospital"], mapped["clinic"]]
    # another cercle of Gao: the Ansongo hospital does not serve it
    response = client_for(manager).get("/referrals/pathways/new/?area=ML0702&need=gbv_survivor")
    assert "Hôpital d&#x27;Ansongo" not in response.content.decode()


def test_creating_without_area_or_situation_asks_for_them(mapped, manager, client_for):
    response = client_for(manager).get("/referrals/pathways/new/")
    assert response.status_code == 200
    assert "start" in response.context
    response = client_for(manager).get("/referrals/pathways/new/?area=ML07&need=nonsense")
    assert response.context["start"].errors["need"]


def test_creating_an_existing_pathway_opens_it_for_editing(gao_gbv, manager, client_for):
    response = client_for(manager).get("/referrals/pathways/new/?area=ML07&need=gbv_survivor")
    assert response.status_code == 302
    assert response.url == f"/referrals/pathways/{gao_gbv.public_id}/edit/"


def test_saving_a_new_pathway(mapped, manager, client_for):
    data = post_data(
        [
            {"order": 1, "type": ServiceType.MEDICAL, "services": [mapped["hospital"]]},
            {"order": 2, "type": ServiceType.LEGAL, "note": "Pas encore de service"},
            {},  # a blank row is ignored
        ],
        notes="Numéro vert : 80 00 00 00",
    )
    response = client_for(manager).post(
        "/referrals/pathways/new/?area=ML07&need=gbv_survivor", data
    )
    pathway = Pathway.objects.get()
    assert response.status_code == 302
    assert response.url == f"/referrals/pathways/{pathway.public_id}/"
    assert pathway.area == mapped["gao"] and pathway.need == GBV
    assert pathway.notes == "Numéro vert : 80 00 00 00" and pathway.updated_by == manager
    assert shape(pathway) == [
        (ServiceType.MEDICAL, ["Hôpital d'Ansongo"]),
        (ServiceType.LEGAL, []),
    ]
    assert AuditEvent.objects.filter(action="pathway.create", actor=manager).exists()


def test_editing_reorders_steps_and_fallbacks(gao_gbv, mapped, manager, client_for):
    client = client_for(manager)
    form = client.get(f"/referrals/pathways/{gao_gbv.public_id}/edit/")
    assert form.status_code == 200
    initial = form.context["steps"].forms
    assert initial[0].initial["services"] == [mapped["clinic"], mapped["hospital"]]
    assert initial[2].initial["note"] == "Aucune clinique juridique"
    data = post_data(
        [
            # medical moves to the end, with the hospital first and the clinic as fallback
            {
                "order": 3,
                "type": ServiceType.MEDICAL,
                "services": [mapped["hospital"], mapped["clinic"]],
            },
            {"order": 1, "type": ServiceType.PSYCHOSOCIAL, "services": [mapped["psychosocial"]]},
            {"order": 2, "type": ServiceType.LEGAL, "delete": True},
        ],
        notes="Nouvelles consignes",
        initial=3,
    )
    response = client.post(f"/referrals/pathways/{gao_gbv.public_id}/edit/", data)
    assert response.status_code == 302
    assert shape(gao_gbv) == [
        (ServiceType.PSYCHOSOCIAL, ["Écoute DRC Gao"]),
        (ServiceType.MEDICAL, ["Hôpital d'Ansongo", "Clinique mobile UNFPA"]),
    ]
    gao_gbv.refresh_from_db()
    assert gao_gbv.notes == "Nouvelles consignes"
    assert AuditEvent.objects.filter(action="pathway.update", actor=manager).exists()


def test_an_empty_slot_lets_the_later_fallbacks_move_up(gao_gbv, mapped, manager, client_for):
    data = post_data(
        [{"order": 1, "type": ServiceType.MEDICAL, "services": [None, mapped["hospital"]]}]
    )
    client_for(manager).post(f"/referrals/pathways/{gao_gbv.public_id}/edit/", data)
    assert shape(gao_gbv) == [(ServiceType.MEDICAL, ["Hôpital d'Ansongo"])]


@pytest.mark.parametrize(
    ("rows", "message", "kept"),
    [
        (
            [{"order": 1, "services": ["clinic"], "note": "Consigne à garder"}],
            "Choose the service type of this step.",
            True,
        ),
        (
            [{"order": 1, "type": ServiceType.MEDICAL, "services": ["clinic", "clinic"]}],
            "This service is already chosen in this step.",
            True,
        ),
        (
            [{"order": 1, "type": ServiceType.LEGAL, "services": ["clinic"]}],
            "Choose a service of this step&#x27;s type that serves the area",
            False,  # a legal-aid step does not offer the clinic
        ),
        (
            [{"order": 1, "type": ServiceType.MEDICAL, "services": ["kayes"]}],
            "Choose a service of this step&#x27;s type that serves the area",
            False,
        ),
    ],
    ids=["no-type", "twice", "wrong-type", "outside-area"],
)
def test_invalid_steps_are_explained_and_nothing_is_saved(
    mapped, manager, client_for, rows, message, kept
):
    for row in rows:
        row["services"] = [mapped[name] for name in row["services"]]
    data = post_data(rows, notes="Mes notes à ne pas perdre")
    response = client_for(manager).post(
        "/referrals/pathways/new/?area=ML07&need=gbv_survivor", data
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Mes notes à ne pas perdre" in html
    assert (f'<option value="{mapped["clinic"].pk}" selected>' in html) is kept
    assert "Consigne à garder" in html or not rows[0].get("note")
    assert not Pathway.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="pathway.").exists()


def test_a_refusal_of_the_service_is_shown_on_the_form_and_nothing_is_lost(
    gao_gbv, manager, client_for
):
    data = post_data([{"note": ""}, {}], notes="Notes modifiées")
    response = client_for(manager).post(f"/referrals/pathways/{gao_gbv.public_id}/edit/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "A pathway needs at least one step." in html
    assert "Notes modifiées" in html
    gao_gbv.refresh_from_db()
    assert gao_gbv.notes == "Appeler avant de se déplacer."
    assert len(shape(gao_gbv)) == 3


def test_update_the_lists_saves_nothing_and_adds_steps(mapped, manager, client_for):
    data = post_data(
        [{"order": 1, "type": ServiceType.PSYCHOSOCIAL, "services": [mapped["psychosocial"]]}]
    )
    data["refresh"] = "1"
    response = client_for(manager).post(
        "/referrals/pathways/new/?area=ML07&need=gbv_survivor", data
    )
    assert response.status_code == 200
    assert len(response.context["steps"].forms) == 3
    html = response.content.decode()
    assert f'<option value="{mapped["psychosocial"].pk}" selected>' in html
    assert "Clinique mobile UNFPA" not in html.split("steps-1-")[0]  # the row offers its type
    assert not Pathway.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "monitor", "org_admin"])
def test_drawing_pathways_is_refused_without_servicemap_manage_and_audited(
    gao_gbv, mapped, client_as, role
):
    client = client_as(role)
    edit = f"/referrals/pathways/{gao_gbv.public_id}/edit/"
    for method, url in [
        ("get", "/referrals/pathways/new/?area=ML07&need=uasc"),
        ("get", edit),
        ("post", edit),
    ]:
        response = getattr(client, method)(url, post_data([{"order": 1, "type": "legal"}]))
        assert response.status_code == 403
    refusals = AuditEvent.objects.filter(action="access.refused", actor=client.user)
    assert refusals.count() == 3
    assert {e.detail["action"] for e in refusals} == {"servicemap.manage"}
    assert len(shape(gao_gbv)) == 3


def test_save_pathway_itself_refuses_and_audits_a_user_without_servicemap_manage(mapped, viewer):
    from passerelle.core.errors import DomainError

    with pytest.raises(DomainError):
        draw(viewer, mapped["gao"], [{"service_type": ServiceType.MEDICAL, "services": []}])
    assert AuditEvent.objects.filter(action="access.refused", actor=viewer).exists()
    assert not Pathway.objects.exists()


def test_save_pathway_itself_refuses_a_service_that_does_not_serve_the_area(mapped, manager):
    from passerelle.core.errors import DomainError

    with pytest.raises(DomainError) as excinfo:
        services.save_pathway(
            manager,
            area=mapped["gao"],
            need="gbv_survivor",
            steps=[{"service_type": ServiceType.MEDICAL, "services": [mapped["kayes"]]}],
        )
    assert "does not serve" in str(excinfo.value)
    assert not Pathway.objects.exists()
    # a cercle's service belongs in its region's pathway, and the region's in the cercle's
    services.save_pathway(
        manager,
        area=mapped["gao"],
        need="gbv_survivor",
        steps=[{"service_type": ServiceType.MEDICAL, "services": [mapped["hospital"]]}],
    )
    services.save_pathway(
        manager,
        area=mapped["ansongo"],
        need="gbv_survivor",
        steps=[{"service_type": ServiceType.MEDICAL, "services": [mapped["clinic"]]}],
    )
    assert Pathway.objects.count() == 2
