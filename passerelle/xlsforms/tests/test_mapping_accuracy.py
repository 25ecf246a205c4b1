"""The mapping proposal's accuracy on the tuning form and on the BLIND held-out form.

The held-out form and its expected mapping (tests/forms.py heldout_form, HELDOUT_TRUTH) were
written before the proposal was; the proposal's synonyms were tuned on the tuning form only.
The figures are printed (pytest -s) and floored, so that a change that makes proposals worse
fails here.
"""

import pytest

from passerelle.xlsforms.forms import read_form
from passerelle.xlsforms.mapping import propose_mapping

from . import forms as F
from .scoring import score

pytestmark = pytest.mark.django_db


def tuning_area_truth():
    areas = F.mali_areas()
    region = {F.slug(a["name"]): a["pcode"] for a in areas if a["level"] == 1}
    cercle = {a["pcode"]: a["pcode"] for a in areas if a["level"] == 2}
    return {"region": region, "cercle": cercle}


def heldout_area_truth():
    areas = F.mali_areas()
    return {
        "admin1": {a["pcode"]: a["pcode"] for a in areas if a["level"] == 1},
        "admin2": F._heldout_admin2(),
    }


def evaluate(data, truth, area_truth):
    form = read_form(data)
    return score(form, propose_mapping(form), truth, area_truth)


def report(name, result):
    print(
        f"\n{name}: questions {result.questions_right}/{result.questions} "
        f"({result.question_rate:.0%}), choices {result.choices_right}/{result.choices} "
        f"({result.choice_rate:.0%}), area choices {result.area_choices_right}/"
        f"{result.area_choices} ({result.area_choice_rate:.0%})"
    )
    for wrong in result.wrong:
        print("   wrong:", wrong)


def test_proposal_on_the_tuning_form(areas):
    result = evaluate(F.protection_monitoring_form(), F.TUNING_TRUTH, tuning_area_truth())
    report("tuning", result)
    assert result.question_rate >= 0.9
    assert result.choice_rate >= 0.85
    assert result.area_choice_rate >= 0.95


def test_proposal_on_the_blind_heldout_form(areas):
    result = evaluate(F.heldout_form(), F.HELDOUT_TRUTH, heldout_area_truth())
    report("held-out", result)
    assert result.question_rate >= 0.7
    assert result.choice_rate >= 0.6
    assert result.area_choice_rate >= 0.9
