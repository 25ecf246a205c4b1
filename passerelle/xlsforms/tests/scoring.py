"""Scoring a proposed mapping against the expected one (tests/forms.py TUNING_TRUTH and
HELDOUT_TRUTH): the share of questions and of choices mapped as an IM officer would.

Questions: every question that could carry data (not a group, note, calculate or metadata)
counts once; it is right when the proposal gives it the expected target, or leaves it out when
no target is expected. The expected "area" is the finest area question: an area question of a
coarser level (a region above the cercle) is right when proposed for any area target, and not
scored when left out. Choices: every choice of every expected target with choices counts once;
right when the proposal maps it to the expected code (or one of the expected codes; "" means
left unmapped); all wrong when the question itself was missed. Area choices are scored apart,
against the P-codes the fixture built them from.
"""

from __future__ import annotations

from dataclasses import dataclass

from passerelle.xlsforms.mapping import AREA_TARGETS


@dataclass
class Score:
    questions_right: int = 0
    questions: int = 0
    choices_right: int = 0
    choices: int = 0
    area_choices_right: int = 0
    area_choices: int = 0
    wrong: list = None

    @property
    def question_rate(self):
        return self.questions_right / self.questions if self.questions else 0.0

    @property
    def choice_rate(self):
        return self.choices_right / self.choices if self.choices else 0.0

    @property
    def area_choice_rate(self):
        return self.area_choices_right / self.area_choices if self.area_choices else 0.0


def score(form, proposal: dict, truth: dict, area_truth: dict[str, dict[str, str]]) -> Score:
    result = Score(wrong=[])
    expected = {}  # xpath → target
    for target, entry in truth.items():
        q = form.question(entry["question"])
        assert q is not None, entry["question"]
        expected[q.xpath] = target
    proposed = {}
    for target, entry in proposal.items():
        if entry.get("question"):
            q = form.question(entry["question"])
            if q is not None:
                proposed[q.xpath] = target
    coarser_areas = {form.question(name).xpath for name in area_truth} - set(expected)
    for q in form.questions:
        if q.is_section and q.type != "repeat" or q.ignored:
            continue
        want, got = expected.get(q.xpath), proposed.get(q.xpath)
        if q.xpath in coarser_areas:
            if got is None:
                continue
            right = got in AREA_TARGETS
        elif want == "area":
            right = got in AREA_TARGETS
        else:
            right = want == got
        result.questions += 1
        result.questions_right += right
        if not right:
            result.wrong.append((q.name, want, got))
    for target, entry in truth.items():
        if "choices" not in entry:
            continue
        q = form.question(entry["question"])
        got_entry = next(
            (
                e
                for t, e in proposal.items()
                if e.get("question") and form.question(e["question"]) is q and t == target
            ),
            None,
        )
        for choice, want in entry["choices"].items():
            wants = want if isinstance(want, tuple) else (want,)
            got = (got_entry or {}).get("choices", {}).get(choice, "") if got_entry else None
            right = got is not None and got in wants
            result.choices += 1
            result.choices_right += right
            if not right:
                result.wrong.append((f"{q.name}={choice}", wants, got))
    for name, pcodes in area_truth.items():
        q = form.question(name)
        got_entry = next(
            (
                e
                for e in proposal.values()
                if e.get("question") and form.question(e["question"]) is q
            ),
            {},
        )
        for choice, pcode in pcodes.items():
            result.area_choices += 1
            got = got_entry.get("choices", {}).get(choice)
            result.area_choices_right += got == pcode
            if got != pcode:
                result.wrong.append((f"{name}={choice}", pcode, got))
    return result
