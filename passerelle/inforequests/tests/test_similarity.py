"""Similar requests: terms, the place and period gates, ranking; properties of the ranking."""

import datetime as dt

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from passerelle.inforequests import similarity
from passerelle.inforequests.similarity import Draft, rank, request_terms, terms


def draft(
    subject, body="", *, theme="gbv", category="gbv", area="ML07", start=None, end=None, key=None
):
    return Draft(
        terms=request_terms(subject, body),
        thematic_area=theme,
        data_category=category,
        area_pcode=area,
        period_start=start,
        period_end=end,
        key=key,
    )


def test_french_and_english_share_the_protection_vocabulary():
    fr = set(terms("Nombre d'enfants recrutés par les groupes armés"))
    en = set(terms("Number of children recruited by armed groups"))
    assert {"#figure", "#child", "#recruit", "#armed", "#group"} <= fr & en


def test_abbreviations_meet_their_words():
    assert "#gbv" in terms("Cas de VBG à Gao")
    assert "#gbv" in terms("gender-based violence")
    assert "#idp" in terms("PDI") and "#idp" in terms("displaced people")


def test_accents_case_and_stop_words_do_not_count():
    assert terms("Écoles OCCUPÉES") == terms("ecoles occupees")
    assert terms("le la les de des du the of and") == []


def test_unknown_words_are_stemmed_in_the_text_language():
    assert terms("les routes bloquées") == terms("la route bloquée")
    assert terms("the roads were blocked") == terms("the road is blocked")


def test_the_subject_counts_twice():
    stored = request_terms("écoles", "enfants")
    assert stored.split().count("#school") == similarity.SUBJECT_WEIGHT
    assert stored.split().count("#child") == 1


def test_a_paraphrase_in_the_other_language_is_found():
    earlier = draft(
        "Chiffres VBG du mois pour la région de Gao",
        "Merci de transmettre le nombre d'incidents de VBG rapportés à Gao, par sexe.",
        key="earlier",
    )
    other = draft(
        "Liste des écoles occupées à Gao",
        "Nombre d'écoles occupées par des groupes armés",
        theme="child_protection",
        category="mrm",
        key="other",
    )
    new = draft(
        "GBV incident figures, Gao region",
        "Could you share the number of reported GBV incidents in Gao, disaggregated by sex?",
    )
    found = rank(new, [other, earlier])
    assert [s.candidate for s in found][:1] == ["earlier"]


def test_another_region_or_period_is_never_the_same_request():
    text = ("Chiffres VBG", "Nombre d'incidents de VBG rapportés")
    july = (dt.date(2013, 7, 1), dt.date(2013, 7, 31))
    new = draft(*text, area="ML07", start=july[0], end=july[1])
    elsewhere = draft(*text, area="ML06", start=july[0], end=july[1], key="tombouctou")
    later = draft(
        *text, area="ML07", start=dt.date(2014, 1, 1), end=dt.date(2014, 1, 31), key="january"
    )
    within = draft(
        *text, area="ML0701", start=dt.date(2013, 7, 10), end=dt.date(2013, 7, 20), key="cercle"
    )
    assert [s.candidate for s in rank(new, [elsewhere, later, within])] == ["cercle"]


def test_open_or_missing_periods_overlap_everything():
    a = draft("x", start=dt.date(2013, 1, 1))
    b = draft("x", end=dt.date(2012, 12, 31))
    c = draft("x")
    assert not similarity.periods_overlap(a, b)
    assert similarity.periods_overlap(a, c) and similarity.periods_overlap(b, c)


def test_nothing_is_suggested_below_the_threshold():
    new = draft(
        "Déploiement des officiers des droits de l'homme", theme="human_rights", category=""
    )
    unrelated = draft(
        "Accidents par engins explosifs", theme="mine_action", category="pm", key="erw"
    )
    assert rank(new, [unrelated]) == []


WORDS = st.sampled_from(
    "enfants children VBG GBV écoles schools Gao Mopti chiffres figures liste list "
    "recrutement recruitment déplacés displaced retour return mines".split()
)
TEXTS = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)
AREAS = st.sampled_from(["ML", "ML07", "ML0701", "ML0702", "ML06", "ML0601"])
THEMES = st.sampled_from(["gbv", "child_protection", "poc"])


@st.composite
def drafts(draw, key=None):
    start = draw(st.one_of(st.none(), st.dates(dt.date(2013, 1, 1), dt.date(2014, 12, 31))))
    end = draw(st.one_of(st.none(), st.dates(start or dt.date(2013, 1, 1), dt.date(2015, 6, 30))))
    return draft(
        draw(TEXTS),
        draw(TEXTS),
        theme=draw(THEMES),
        category=draw(THEMES),
        area=draw(AREAS),
        start=start,
        end=end,
        key=key,
    )


@settings(max_examples=150, deadline=None)
@given(new=drafts(), pool=st.lists(drafts(), max_size=8))
def test_suggestions_respect_the_gates_the_threshold_and_the_order(new, pool):
    pool = [
        Draft(
            p.terms,
            p.thematic_area,
            p.data_category,
            p.area_pcode,
            p.period_start,
            p.period_end,
            key=i,
        )
        for i, p in enumerate(pool)
    ]
    found = rank(new, pool, limit=len(pool) or 1)
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    for s in found:
        candidate = pool[s.candidate]
        assert similarity.same_place(new.area_pcode, candidate.area_pcode)
        assert similarity.periods_overlap(new, candidate)
        assert s.score >= similarity.THRESHOLD
        assert 0 <= s.text <= 1.0001


@settings(max_examples=100, deadline=None)
@given(new=drafts())
def test_a_request_identical_to_the_draft_is_suggested_first(new):
    """(Given some text: with none, there is nothing to compare and nothing is suggested.)"""
    assume(new.terms)
    twin = Draft(
        new.terms,
        new.thematic_area,
        new.data_category,
        new.area_pcode,
        new.period_start,
        new.period_end,
        key="twin",
    )
    found = rank(new, [twin])
    assert found and found[0].candidate == "twin"
