"""The incident form: sub-types follow their category (data attributes for the script, groups
without it, refused server-side otherwise), every category label is unique, victim counts cover
the victims recorded as persons, and every cell of the victim-count grid has a label."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import translation

from passerelle.core.guard import unscoped
from passerelle.incidents.forms import IncidentForm, grouped_category_choices
from passerelle.incidents.models import Incident, VictimCount
from passerelle.incidents.tests.factories import category, person_factory
from passerelle.incidents.tests.test_views import _incident_form
from passerelle.vocabularies.models import Term

pytestmark = pytest.mark.django_db


def _option_labels(choices):
    return [label for _group, items in choices[1:] for _pk, label in items]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_category_label_is_unique(language):
    with translation.override(language):
        labels = _option_labels(grouped_category_choices())
    repeated = [label for label, n in Counter(labels).items() if n > 1]
    assert not repeated
    rape = [label for label in labels if label.startswith("Viol" if language == "fr" else "Rape")]
    assert len(rape) >= 3  # CRSV, GBV and human rights each have theirs, told apart
    if language == "fr":
        assert "Viol (VSLC)" in labels or "Viol (CRSV)" in labels
        assert "Viol" not in labels


def test_sub_type_options_carry_their_category_and_are_grouped_by_it(client_as):
    html = client_as("monitor").get(reverse("incidents:create")).content.decode()
    sexual_violence = Term.objects.get(vocabulary="category", code="mrm.sexual_violence")
    rape = Term.objects.get(vocabulary="category", code="mrm.sexual_violence.rape")
    assert re.search(rf'<option value="{rape.pk}" data-category="{sexual_violence.pk}"', html), (
        "the sub-type names its category"
    )
    assert 'data-subtypes="id_sub_type"' in html
    assert "js/incident_form.js" in html
    select = html.split('name="sub_type"')[1].split("</select>")[0]
    assert "<optgroup" in select  # usable without the script
    assert select.count("data-category=") == Term.objects.subtypes().count()


def test_a_sub_type_of_another_category_is_refused(client_as, org, areas):
    other = Term.objects.get(vocabulary="category", code="mrm.sexual_violence.rape")
    client = client_as("monitor")
    with unscoped():
        before = Incident.objects.count()
    response = client.post(
        reverse("incidents:create"),
        _incident_form(org, areas, sub_type=other.pk),  # category: pm.attacks_on_civilians
    )
    assert response.status_code == 200
    assert "This sub-type does not belong to the chosen category." in response.content.decode()
    with unscoped():
        assert Incident.objects.count() == before


def test_a_sub_type_of_the_chosen_category_is_saved(client_as, org, areas):
    rape = Term.objects.get(vocabulary="category", code="mrm.sexual_violence.rape")
    response = client_as("monitor").post(
        reverse("incidents:create"),
        _incident_form(org, areas, category=rape.parent_id, sub_type=rape.pk),
    )
    assert response.status_code == 302
    with unscoped():
        assert Incident.objects.filter(sub_type=rape).count() == 1


def test_every_victim_count_input_has_a_label(client_as):
    html = client_as("monitor").get(reverse("incidents:create")).content.decode()
    inputs = re.findall(r'<input type="number" name="(count_[^"]+)"[^>]*id="([^"]+)"', html)
    assert len(inputs) >= 18
    for _name, input_id in inputs:
        assert f'<label class="visually-hidden" for="{input_id}">' in html, input_id


def test_victim_counts_cannot_be_lower_than_the_victims_recorded(
    monitor, incident, client_for, org, areas
):
    person_factory(monitor, incident, sex="f", age=24)  # 18-59
    person_factory(monitor, incident, sex="f", age=30)
    url = reverse("incidents:edit", kwargs={"public_id": incident.public_id})
    client = client_for(monitor)
    response = client.post(
        url, _incident_form(org, areas, classification="3", count_f_18_59="1", narrative="x")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 victims of this sex and age group" in page
    assert 'id="id_count_f_18_59_error"' in page
    with unscoped():
        assert "Tassiga" in Incident.objects.get(pk=incident.pk).narrative.reveal()
    response = client.post(
        url, _incident_form(org, areas, classification="3", count_f_18_59="3", narrative="x")
    )
    assert response.status_code == 302
    assert VictimCount.objects.get(incident=incident).count == 3


def test_victims_without_an_age_group_count_in_the_total(monitor, incident):
    from passerelle.core.errors import DomainError
    from passerelle.incidents import services

    person_factory(monitor, incident, sex="m", age=None)
    with pytest.raises(DomainError):
        services.update_incident(monitor, incident, victim_counts={})
    group = Term.objects.get(vocabulary="age_group", code="18_59")
    services.update_incident(monitor, incident, victim_counts={("m", group): 1})


def test_the_form_class_refuses_a_foreign_sub_type_on_its_own(org, areas):
    rape = Term.objects.get(vocabulary="category", code="mrm.sexual_violence.rape")
    form = IncidentForm(
        _incident_form(
            org, areas, sub_type=rape.pk, category=category("pm.attacks_on_civilians").pk
        ),
        organisations=[org],
    )
    assert not form.is_valid()
    assert "sub_type" in form.errors
