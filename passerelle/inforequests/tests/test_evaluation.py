"""The duplicate-request suggestion measured on the fixed set of request pairs.

The floors sit just under the figures measured (precision 0.88, recall 0.95 at the threshold
0.40). It was 0.68 / 0.79 on text, theme and category alone; place and time words left to
the area and period gates, the topic overlap, the subjects' topics as a gate and a richer
glossary brought it there): a change to the similarity that lowers them fails here."""

from passerelle.inforequests import similarity
from passerelle.inforequests.evaluation import HOLDOUT, cross_validate, evaluate, load


def test_the_set_holds_at_least_sixty_pairs_in_french_and_english():
    pairs = load()
    assert len(pairs) >= 60
    languages = {(p["earlier"]["lang"], p["new"]["lang"]) for p in pairs}
    assert {("fr", "fr"), ("en", "en")} <= languages
    assert ("fr", "en") in languages or ("en", "fr") in languages
    assert sum(p["same"] for p in pairs) >= 30 and sum(not p["same"] for p in pairs) >= 30


def test_top_suggestion_precision_and_recall_do_not_fall():
    result = evaluate(threshold=similarity.THRESHOLD)
    assert result.precision >= 0.85, (result.precision, result.wrong)
    assert result.recall >= 0.9, (result.recall, result.missed)


def test_the_held_out_pairs_are_not_worse_than_measured():
    """Measured 0.75 / 0.75 on the blind set (the first version: 0.60 / 0.75)."""
    pairs = load(HOLDOUT)
    assert len(pairs) == 40 and sum(p["same"] for p in pairs) == 20
    result = evaluate(pairs, threshold=similarity.THRESHOLD)
    assert result.precision >= 0.7, (result.precision, result.wrong)
    assert result.recall >= 0.7, (result.recall, result.missed)


def test_a_threshold_chosen_on_half_the_set_holds_on_the_other_half():
    for fold in cross_validate():
        assert fold["precision"] >= 0.7 and fold["recall"] >= 0.7, fold


def test_a_different_ask_about_the_same_place_and_season_is_not_suggested():
    """Children recruited vs schools occupied, in the same region and quarter: the place and
    the quarter are in the fields, not in the text, and the topics differ."""

    def draft(subject, key=None):
        return similarity.Draft(
            terms=similarity.request_terms(subject, ""),
            thematic_area="child_protection",
            data_category="mrm",
            area_pcode="ML07",
            period_start=None,
            period_end=None,
            key=key,
        )

    earlier = draft("Enfants recrutés par les groupes armés à Gao, T1 2014", key="recruited")
    new = draft("Écoles occupées par des groupes armés à Gao, T1 2014")
    assert similarity.rank(new, [earlier]) == []
    assert "gao" not in earlier.terms and "2014" not in earlier.terms


def test_a_lower_threshold_finds_more_and_a_higher_one_fewer():
    low, high = evaluate(threshold=0.3), evaluate(threshold=0.55)
    assert low.true_positives >= high.true_positives
    assert low.false_positives >= high.false_positives
