"""The intelligence-wording classifier (policy.intelligence) measured on hand-written requests:
a change that lowers precision or recall below the floors fails here."""

from __future__ import annotations

import pytest

from passerelle.inforequests.evaluation import intelligence as evaluation
from passerelle.policy import intelligence


def test_the_sets_are_in_french_and_english_and_balanced():
    for path in (evaluation.TUNING, evaluation.HOLDOUT):
        items = evaluation.load(path)
        assert {i["lang"] for i in items} == {"fr", "en"}
        positives = sum(i["intelligence"] for i in items)
        assert 0.4 <= positives / len(items) <= 0.6
    assert len(evaluation.load(evaluation.HOLDOUT)) == 60


def test_tuning_set_precision_and_recall_do_not_fall():
    result = evaluation.evaluate(evaluation.load(evaluation.TUNING))
    assert result.precision >= 0.95, result.false_positives
    assert result.recall >= 0.95, result.missed


def test_the_adversarial_set_tuned_on_is_held():
    result = evaluation.evaluate(evaluation.load(evaluation.ADVERSARIAL))
    assert result.precision >= 0.9 and result.recall >= 0.9, (result.false_positives, result.missed)


def test_the_first_held_out_set_is_not_worse_than_measured():
    """Measured 1.00 / 1.00 (blind, but written in the rules' vocabulary)."""
    result = evaluation.evaluate(evaluation.load(evaluation.HOLDOUT))
    assert result.precision >= 0.95, result.false_positives
    assert result.recall >= 0.95, result.missed


def test_the_second_held_out_set_is_not_worse_than_measured():
    """Measured 0.77 / 0.85 (blind, never tuned on; 0.56 / 0.25 before the last change):
    the figures to expect of requests nobody has seen."""
    items = evaluation.load(evaluation.HOLDOUT2)
    assert len(items) == 40 and sum(i["intelligence"] for i in items) == 20
    result = evaluation.evaluate(items)
    assert result.precision >= 0.75, result.false_positives
    assert result.recall >= 0.8, result.missed


def test_no_protection_request_of_the_demo_or_the_duplicate_set_is_flagged():
    result = evaluation.evaluate(evaluation.protection_requests())
    assert result.total >= 150
    assert len(result.false_positives) <= 2, result.false_positives


@pytest.mark.parametrize(
    "text, kind, words",
    [
        ("Where armed groups are based around Gao", "location", "where armed groups"),
        ("Quels itinéraires empruntent les combattants ?", "movement", "combattants"),
        ("How many fighters are there in Ansongo?", "strength", "how many fighters"),
        ("Où les rebelles stockent-ils leurs munitions ?", "weapons", "munitions"),
        ("Noms des informateurs du village", "identity", "noms des informateurs"),
        ("Collecte de renseignement à Gao", "explicit", "collecte de renseignement"),
    ],
)
def test_the_reason_names_what_is_asked_in_the_requests_own_words(text, kind, words):
    findings = intelligence.classify(text)
    assert kind in {f.kind for f in findings}
    finding = next(f for f in findings if f.kind == kind)
    assert words in finding.phrase.lower()
    assert finding.what  # a human-readable description of what is asked


@pytest.mark.parametrize(
    "text",
    [
        "Civilians killed by armed groups near Gao: where did the attacks take place?",
        "Enfants libérés des groupes armés : où sont-ils pris en charge ?",
        "Where are the displaced families from Ansongo staying?",
        "Intelligence artificielle et protection des données",
    ],
)
def test_protection_questions_about_places_are_not_intelligence(text):
    assert intelligence.classify(text) == []
