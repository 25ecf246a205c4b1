"""The mapping: text normalisation, what the proposal leaves out, and mapping_errors."""

import copy

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passerelle.xlsforms.forms import read_form
from passerelle.xlsforms.mapping import (
    TARGETS,
    fold,
    mapping_errors,
    propose_mapping,
    similarity,
    tokens,
)

from . import forms as F

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def pm():
    return read_form(F.protection_monitoring_form())


@pytest.fixture
def good(pm, areas):
    return propose_mapping(pm)


# -- normalisation ----------------------------------------------------------------------------


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_fold_is_idempotent_lowercase_ascii(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert folded == folded.strip()
    assert all(c.isascii() and (c.isalnum() or c == " ") for c in folded)
    assert folded == folded.lower()


@given(st.text(alphabet="aàâäeéèêëiîïoôuùûüçAÉÈ_ -'", max_size=40))
@settings(max_examples=300, deadline=None)
def test_accents_and_case_do_not_change_tokens(text):
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    assert tokens(text.upper().lower()) == tokens(plain.lower())


@given(
    st.lists(st.sampled_from(["date", "incident", "sexe", "age", "nom"]), max_size=5),
    st.lists(st.sampled_from(["date", "incident", "sexe", "age", "nom", "x"]), max_size=6),
)
def test_similarity_is_between_zero_and_one_and_one_for_the_same_words(phrase, words):
    assert 0.0 <= similarity(phrase, words) <= 1.0
    if phrase:
        assert similarity(phrase, list(phrase)) == pytest.approx(1.0)


def test_tokens_of_names_and_labels():
    assert tokens("nom_pere") == ["nom", "pere"]
    assert tokens("Date de l'incident") == ["date", "incide"]
    assert tokens("Incident date") == ["incide", "date"]
    assert tokens("Âge") == tokens("age")


# -- proposal ---------------------------------------------------------------------------------


def test_proposal_leaves_unknown_questions_and_choices_unmapped(pm, good):
    mapped = {e.get("question") for e in good.values()}
    for name in ("commentaires", "nb_victimes", "mois_incident", "intro"):
        assert pm.question(name).xpath not in mapped
    assert good["category"]["choices"]["autre"] == ""


def test_proposal_uses_the_repeat_of_victims_for_persons(pm, good):
    assert good["persons.repeat"] == {"question": "/data/victimes"}
    assert good["persons.role"] == {"value": "victim"}
    assert good["persons.sex"]["question"] == "/data/victimes/sexe"


def test_proposal_of_a_form_without_area_names_in_the_database_keeps_pcode_choices(pm, db):
    mapping = propose_mapping(pm)
    assert mapping["area.admin2"]["choices"]["ML0406"] == "ML0406"


def test_proposal_is_valid_for_the_fixture_forms(areas):
    for data in (F.protection_monitoring_form(), F.heldout_form(), F.heldout_form_2()):
        form = read_form(data)
        assert mapping_errors(form, propose_mapping(form)) == []


def test_proposal_on_a_default_language_form(areas):
    form = read_form(F.default_language_form())
    mapping = propose_mapping(form)
    assert mapping["occurred_on"]["question"] == "/data/date_evenement"
    assert mapping["reported_on"]["question"] == "/data/date_entretien"
    assert mapping["persons.repeat"]["question"] == "/data/membres"
    assert mapping["persons.sex"]["choices"] == {"femme": "f", "homme": "m"}
    assert mapping["area.admin1"]["choices"]["segou"] == "ML04"


# -- errors -----------------------------------------------------------------------------------


def codes_of(errors):
    return sorted((e.target, e.code) for e in errors)


def test_required_fields_missing(pm):
    errors = mapping_errors(pm, {})
    assert codes_of(errors) == [
        ("area", "required"),
        ("category", "required"),
        ("occurred_on", "required"),
    ]
    area = next(e for e in errors if e.target == "area")
    assert str(area.message).startswith("The area is required")


def test_unknown_target_and_unknown_question(pm, good):
    mapping = copy.deepcopy(good)
    mapping["incident.secret"] = {"question": "description"}
    mapping["narrative"] = {"question": "/data/incident/nowhere"}
    errors = mapping_errors(pm, mapping)
    assert codes_of(errors) == [("incident.secret", "target"), ("narrative", "question")]
    assert any("nowhere" in str(e.message) for e in errors)


def test_wrong_type(pm, good):
    mapping = copy.deepcopy(good)
    mapping["occurred_on"] = {"question": "region"}
    mapping["persons.needs"] = {"question": "/data/victimes/sexe"}
    mapping["narrative"] = {"question": "intro"}  # a note
    assert codes_of(mapping_errors(pm, mapping)) == [
        ("narrative", "type"),
        ("occurred_on", "type"),
        ("persons.needs", "type"),
    ]


def test_person_field_outside_the_persons_repeat_and_incident_field_inside(pm, good):
    mapping = copy.deepcopy(good)
    mapping["persons.full_name"] = {"question": "localite"}
    mapping["exact_location"] = {"question": "nom"}
    assert codes_of(mapping_errors(pm, mapping)) == [
        ("exact_location", "in_repeat"),
        ("persons.full_name", "other_repeat"),
    ]
    del mapping["persons.repeat"]
    mapping["persons.full_name"] = {"question": "nom"}
    mapping["exact_location"] = {"question": "localite"}
    assert ("persons.full_name", "no_repeat") in codes_of(mapping_errors(pm, mapping))


def test_unknown_choice_and_unknown_code(pm, good):
    mapping = copy.deepcopy(good)
    mapping["category"]["choices"]["noyade"] = "pm.gbv"
    mapping["perpetrator"]["choices"]["fama"] = "armee"
    mapping["persons.sex"]["choices"]["f"] = "female"
    mapping["persons.needs"]["choices"]["cash"] = "money"
    assert codes_of(mapping_errors(pm, mapping)) == [
        ("category", "choice"),
        ("perpetrator", "code"),
        ("persons.needs", "code"),
        ("persons.sex", "code"),
    ]


def test_constant_values_are_checked(pm, good):
    mapping = copy.deepcopy(good)
    mapping["category"] = {"value": "pm.gbv"}
    mapping["classification"] = {"value": "3"}
    assert mapping_errors(pm, mapping) == []
    mapping["category"] = {"value": "gbv"}  # a framework, not a category
    mapping["persons.role"] = {"value": "chief"}
    assert codes_of(mapping_errors(pm, mapping)) == [
        ("category", "value"),
        ("persons.role", "value"),
    ]


def test_an_area_target_satisfies_the_area_requirement(pm, good):
    mapping = {k: v for k, v in good.items() if not k.startswith("area")}
    assert ("area", "required") in codes_of(mapping_errors(pm, mapping))
    mapping["area.admin1"] = good["area.admin1"]
    assert ("area", "required") not in codes_of(mapping_errors(pm, mapping))


def test_unknown_pcode_is_an_error(pm, good):
    mapping = copy.deepcopy(good)
    mapping["area.admin2"]["choices"]["ML0406"] = "ML9999"
    assert codes_of(mapping_errors(pm, mapping)) == [("area.admin2", "code")]


def test_malformed_mappings_are_errors_not_crashes(pm):
    assert codes_of(mapping_errors(pm, [])) == [("", "shape")]
    errors = mapping_errors(
        pm,
        {"narrative": "description", "category": {"question": "type_incident", "choices": ["a"]}},
    )
    assert ("narrative", "empty") in codes_of(errors)
    assert ("category", "choices") in codes_of(errors)


def test_every_error_message_is_worded_in_both_languages(pm):
    errors = mapping_errors(pm, {"x": {}, "narrative": {"question": "zzz"}})
    for error in errors:
        with translation.override("fr"):
            assert str(error.message)
        with translation.override("en"):
            assert str(error.message)


def test_every_target_has_a_label_and_types():
    from passerelle.xlsforms.mapping import target_label

    for target, spec in TARGETS.items():
        assert str(target_label(target)) and spec.types


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = st.sampled_from([*TARGETS, "x", "", "persons.consent.nothing"])
ENTRY = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {
            "question": st.sampled_from(
                [
                    "region",
                    "cercle",
                    "/data/victimes",
                    "nom",
                    "zz",
                    "",
                    "besoins",
                    "intro",
                    "/data/incident/gps",
                ]
            )
        },
        optional={
            "choices": st.one_of(JSON, st.dictionaries(st.text(max_size=6), JSON, max_size=3)),
            "value": JSON,
        },
    ),
)


@given(st.one_of(JSON, st.dictionaries(KEYS, ENTRY, max_size=6)))
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_mapping_is_checked_without_crashing(pm, mapping):
    """Whatever a browser posts as a mapping, the check answers a list of errors."""
    errors = mapping_errors(pm, mapping)
    for error in errors:
        assert str(error.message)


def test_area_choices_by_name_variants_and_lowercase_pcodes(areas):
    data = F.workbook(
        {
            "survey": [["type", "name", "label"], ["select_one cercles", "cercle", "Cercle"]],
            "choices": [
                ["list_name", "name", "label"],
                ["cercles", "c1", "Cercle de Bourem"],
                ["cercles", "c2", "Ti-n-Essako"],
                ["cercles", "c3", "Tombouctou cercle"],
                ["cercles", "ml0406", "Ségou"],
                ["cercles", "c5", "Djenne"],
                ["cercles", "c6", "Atlantis"],
            ],
        }
    )
    form = read_form(data)
    mapping = propose_mapping(form)
    assert mapping["area.admin2"]["choices"] == {
        "c1": "ML0702",
        "c2": "ML0804",
        "c3": "ML0605",
        "ml0406": "ML0406",
        "c5": "ML0503",
        "c6": "",
    }
