"""Checks on the shipped reference vocabularies and on their loader."""

from collections import Counter

import pytest

from passerelle.vocabularies.data import TERMS, VOCABULARIES


def _by_vocabulary(vocabulary):
    return [entry for entry in TERMS if entry["vocabulary"] == vocabulary]


def _children_of(parent):
    return [e for e in TERMS if e["vocabulary"] == "category" and e["parent"] == parent]


def test_entries_have_the_expected_keys():
    keys = {"vocabulary", "code", "parent", "en", "fr", "standard"}
    for entry in TERMS:
        assert set(entry) == keys, entry
        assert entry["vocabulary"] in VOCABULARIES, entry


def test_every_vocabulary_has_terms():
    assert {entry["vocabulary"] for entry in TERMS} == set(VOCABULARIES)


def test_codes_are_unique_per_vocabulary():
    counts = Counter((entry["vocabulary"], entry["code"]) for entry in TERMS)
    duplicates = [key for key, count in counts.items() if count > 1]
    assert duplicates == []


def test_codes_fit_the_model():
    for entry in TERMS:
        assert entry["code"] and len(entry["code"]) <= 80, entry
        assert entry["code"] == entry["code"].strip(), entry
        assert len(entry["en"]) <= 200 and len(entry["fr"]) <= 200, entry
        assert len(entry["standard"]) <= 80, entry


def test_parents_come_first_and_share_the_vocabulary():
    seen = set()
    for entry in TERMS:
        if entry["parent"] is not None:
            assert (entry["vocabulary"], entry["parent"]) in seen, entry
            assert entry["code"].startswith(entry["parent"] + "."), entry
        seen.add((entry["vocabulary"], entry["code"]))


def test_only_categories_are_hierarchical_with_three_levels():
    codes = {e["code"]: e for e in _by_vocabulary("category")}

    def depth(entry):
        return 0 if entry["parent"] is None else depth(codes[entry["parent"]]) + 1

    assert max(depth(e) for e in codes.values()) == 2
    assert {e["code"] for e in codes.values() if e["parent"] is None} == {
        "mrm",
        "crsv",
        "gbv",
        "hr",
        "pm",
    }
    for entry in TERMS:
        if entry["vocabulary"] != "category":
            assert entry["parent"] is None, entry


def test_labels_are_present_in_both_languages():
    for entry in TERMS:
        assert entry["en"].strip() and entry["fr"].strip(), entry
        assert entry["en"] == entry["en"].strip() and entry["fr"] == entry["fr"].strip(), entry


def test_french_labels_are_translated():
    differing = sum(1 for entry in TERMS if entry["fr"] != entry["en"])
    assert differing / len(TERMS) >= 0.8


def test_framework_category_counts():
    assert len(_children_of("mrm")) == 10
    assert len(_children_of("gbv")) == 6
    assert len(_children_of("pm")) == 15


def test_mrm_categories_use_primero_violation_ids():
    assert [e["code"] for e in _children_of("mrm")] == [
        "mrm.killing",
        "mrm.maiming",
        "mrm.recruitment",
        "mrm.sexual_violence",
        "mrm.abduction",
        "mrm.attack_on_schools",
        "mrm.attack_on_hospitals",
        "mrm.denial_humanitarian_access",
        "mrm.military_use",
        "mrm.deprivation_liberty",
    ]


def test_every_mrm_category_has_subtypes_and_only_mrm_has_them():
    for category in _children_of("mrm"):
        assert _children_of(category["code"]), category["code"]
    for root in ("crsv", "gbv", "hr", "pm"):
        for category in _children_of(root):
            assert _children_of(category["code"]) == [], category["code"]


def test_killing_and_maiming_share_subtypes_with_distinct_codes():
    killing = {e["code"].removeprefix("mrm.killing.") for e in _children_of("mrm.killing")}
    maiming = {e["code"].removeprefix("mrm.maiming.") for e in _children_of("mrm.maiming")}
    assert killing == maiming
    assert {"ied", "landmine", "erw", "aerial_attack", "unknown"} <= killing


def test_hr_codes_are_huridocs_mt4_codes():
    for entry in _children_of("hr"):
        suffix = entry["code"].removeprefix("hr.")
        assert len(suffix) == 12 and suffix.isdigit(), entry


def test_flat_vocabulary_codes():
    def codes(vocabulary):
        return [e["code"] for e in _by_vocabulary(vocabulary)]

    assert codes("age_group") == ["0_4", "5_11", "12_17", "18_59", "60_plus", "unknown"]
    assert codes("reliability") == ["01", "02", "03", "04", "05", "99"]
    assert codes("displacement") == [
        "resident",
        "idp",
        "refugee",
        "returnee",
        "stateless",
        "foreign_national",
        "asylum_seeker",
        "not_applicable",
    ]
    assert {"unknown", "non_state_armed_group"} <= set(codes("perpetrator"))
    assert {"victim", "witness", "unknown"} <= set(codes("source_type"))


@pytest.mark.django_db
def test_sync_terms_is_idempotent():
    from passerelle.vocabularies.loader import sync_terms
    from passerelle.vocabularies.models import Term

    # A data migration may already have loaded the terms: count what the first call adds.
    before = Term.objects.count()
    created = sync_terms(Term)
    assert Term.objects.count() == before + created
    assert Term.objects.count() >= len(TERMS)
    count = Term.objects.count()

    assert sync_terms(Term) == 0
    assert Term.objects.count() == count

    rape = Term.objects.get(vocabulary="category", code="mrm.sexual_violence.rape")
    assert rape.parent.code == "mrm.sexual_violence"
    assert rape.root.code == "mrm"
    assert Term.objects.of("category").filter(parent__code="mrm").count() == 10


@pytest.mark.django_db
def test_sync_terms_updates_but_never_deletes():
    from passerelle.vocabularies.loader import sync_terms
    from passerelle.vocabularies.models import Term

    sync_terms(Term)
    custom = Term.objects.create(
        vocabulary="perpetrator", code="local_custom", label_en="Custom", label_fr="Personnalisé"
    )
    killing = Term.objects.get(vocabulary="category", code="mrm.killing")
    killing.label_fr = "ancien libellé"
    killing.active = False
    killing.save()

    assert sync_terms(Term) == 0
    killing.refresh_from_db()
    expected = next(e for e in TERMS if e["code"] == "mrm.killing")
    assert killing.label_fr == expected["fr"]
    assert killing.active is False  # deactivation by an administrator is kept
    assert Term.objects.filter(pk=custom.pk).exists()
