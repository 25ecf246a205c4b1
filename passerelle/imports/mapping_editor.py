"""The mapping page's table: each question of the form → a Passerelle field, each choice of a
select question → a Passerelle code, and the fields given one value for every submission.

It reads and writes the mapping format of `passerelle.xlsforms.mapping` (targets, codes,
`mapping_errors`); it adds only what a table of selects needs: names for the inputs, the
options each input offers, the officer's answers read back, and two checks of its own (a
field chosen for two questions; choices proposed anew for a field changed on this page,
which the officer sees before they are saved).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext_lazy as _

# A select question with more choices than this keeps its saved or proposed choices (P-codes
# of villages...), counted on the page instead of listed (the page and its POST stay bounded).
MAX_LISTED_CHOICES = 150
# Vocabularies longer than this are offered as a text input with a shared list of codes
# (one <datalist> per vocabulary), not as a <select> repeated for every choice.
MAX_SELECT_CODES = 60
USABLE_IGNORED = {"calculate", "today", "start", "end"}


@dataclass
class ChoiceRow:
    name: str
    label: str
    input_name: str
    code: str


@dataclass
class QuestionRow:
    index: int
    question: object  # xlsforms.forms.Question
    label: str
    input_name: str
    options: list[tuple[str, str]]
    target: str = ""
    vocabulary: str = ""
    choices: list[ChoiceRow] = field(default_factory=list)
    hidden_choices: int = 0  # choices kept as they are (too many to list)
    kept: dict = field(default_factory=dict)  # ... and their codes
    code_options: list = field(default_factory=list)  # (code, label) for a <select>
    listed: bool = False  # codes offered through the vocabulary's <datalist> instead
    problems: list = field(default_factory=list)


@dataclass
class ValueRow:
    target: str
    label: str
    input_name: str
    value: str
    vocabulary: str = ""
    problems: list = field(default_factory=list)
    code_options: list = field(default_factory=list)
    listed: bool = False


def _language() -> str:
    return (translation.get_language() or "fr")[:2]


def _code_label(code) -> str:
    labels = [label for label in code.labels if label]
    if not labels:
        return code.code
    text = labels[1] if _language() == "en" and len(labels) > 1 else labels[0]
    return f"{text} ({code.code})" if text != code.code else code.code


class MappingEditor:
    """`MappingEditor(version, mapping, data=None)`: `data` is the POST of the page."""

    def __init__(self, version, mapping: dict, data=None):
        from passerelle.xlsforms import mapping as mappings

        self.version = version
        self.form = version.form()
        self.base = mapping if isinstance(mapping, dict) else {}
        self.data = data
        self.problems: list = []  # for the whole mapping
        self._mappings = mappings
        self._codes: dict[str, list] = {}
        self.rows = self._question_rows()
        self.values = self._value_rows()
        for row in [*self.rows, *self.values]:
            if row.vocabulary:
                row.listed = self.uses_list(row.vocabulary)
                row.code_options = [] if row.listed else self.codes(row.vocabulary)
        self._built: dict | None = None

    # -- options ------------------------------------------------------------------------------

    def codes(self, vocabulary: str) -> list[tuple[str, str]]:
        if vocabulary not in self._codes:
            self._codes[vocabulary] = [
                (c.code, _code_label(c)) for c in self._mappings.codes(vocabulary)
            ]
        return self._codes[vocabulary]

    def uses_list(self, vocabulary: str) -> bool:
        return len(self.codes(vocabulary)) > MAX_SELECT_CODES

    @property
    def datalists(self) -> list[tuple[str, list[tuple[str, str]]]]:
        used = {r.vocabulary for r in self.rows if r.choices and self.uses_list(r.vocabulary)}
        used |= {v.vocabulary for v in self.values if v.vocabulary and self.uses_list(v.vocabulary)}
        return [(vocabulary, self.codes(vocabulary)) for vocabulary in sorted(used)]

    # -- rows ---------------------------------------------------------------------------------

    def _mappable(self, q) -> bool:
        if q.type == "repeat":
            return True
        if q.is_section:
            return False
        return not q.ignored or q.type in USABLE_IGNORED

    def _targets_of(self, q) -> list[tuple[str, str]]:
        targets = self._mappings.TARGETS
        return [
            (name, str(self._mappings.target_label(name)))
            for name, spec in targets.items()
            if q.type in spec.types
        ]

    def _current(self) -> dict[str, tuple[str, dict]]:
        """question xpath → (target, its entry) in the base mapping."""
        out = {}
        for target, entry in self.base.items():
            if not isinstance(entry, dict) or not entry.get("question"):
                continue
            q = self.form.question(str(entry["question"]))
            if q is not None:
                out[q.xpath] = (target, entry)
        return out

    def _question_rows(self) -> list[QuestionRow]:
        current = self._current()
        rows = []
        questions = [q for q in self.form.questions if self._mappable(q)]
        for index, q in enumerate(questions):
            before, entry = current.get(q.xpath, ("", {}))
            options = self._targets_of(q)
            input_name = f"q-{index}"
            target = before
            if self.data is not None:
                chosen = self.data.get(input_name, "")
                target = chosen if chosen in dict(options) else ""
            row = QuestionRow(
                index=index,
                question=q,
                label=self.form.label(q, _language()),
                input_name=input_name,
                options=options,
                target=target,
            )
            spec = self._mappings.TARGETS.get(target)
            if spec is not None and spec.vocabulary and q.is_select:
                row.vocabulary = spec.vocabulary
                self._fill_choices(row, entry if target == before else None)
            rows.append(row)
        return rows

    def _fill_choices(self, row: QuestionRow, entry: dict | None) -> None:
        q = row.question
        choices = self.form.choices(q)
        if entry is None:  # a field changed on this page: its choices proposed anew
            known = self._mappings.propose_choices(self.form, row.target, q, self.base)
            if self.data is not None:
                self.problems.append(
                    _(
                        "The choices of “%(question)s” were proposed again for its new field: "
                        "check them, then save."
                    )
                    % {"question": q.name}
                )
        else:
            known = dict(entry.get("choices") or {})
        if len(choices) > MAX_LISTED_CHOICES:
            row.hidden_choices = len(choices)
            row.kept = known
            return
        valid = {code for code, _label in self.codes(row.vocabulary)}
        for position, choice in enumerate(choices):
            input_name = f"c-{row.index}-{position}"
            code = str(known.get(choice.name, "") or "")
            if self.data is not None and entry is not None:
                code = (self.data.get(input_name, "") or "").strip()
                if not self.uses_list(row.vocabulary) and code not in valid:
                    code = ""
            row.choices.append(
                ChoiceRow(choice.name, self.form.label(choice, _language()), input_name, code)
            )

    def _value_rows(self) -> list[ValueRow]:
        rows = []
        for target, entry in self.base.items():
            if not isinstance(entry, dict) or entry.get("question") or "value" not in entry:
                continue
            spec = self._mappings.TARGETS.get(target)
            if spec is None:
                continue
            input_name = f"v-{target}"
            value = str(entry.get("value") or "")
            if self.data is not None:
                value = (self.data.get(input_name, "") or "").strip()
            rows.append(
                ValueRow(
                    target,
                    str(self._mappings.target_label(target)),
                    input_name,
                    value,
                    spec.vocabulary,
                )
            )
        return rows

    # -- the mapping --------------------------------------------------------------------------

    def mapping(self) -> dict:
        if self._built is not None:
            return self._built
        out: dict[str, dict] = {}
        seen: dict[str, QuestionRow] = {}
        for row in self.rows:
            if not row.target:
                continue
            if row.target in seen:
                message = _(
                    "“%(field)s” is chosen for two questions, “%(first)s” and “%(second)s”: "
                    "keep one."
                ) % {
                    "field": self._mappings.target_label(row.target),
                    "first": seen[row.target].question.name,
                    "second": row.question.name,
                }
                row.problems.append(message)
                continue
            seen[row.target] = row
            # Kobo paths ("victimes", "incident/cercle"): the format takes them, and the
            # readers find repeats by them
            entry: dict = {"question": row.question.path}
            if row.vocabulary:
                if row.hidden_choices:
                    entry["choices"] = dict(row.kept)
                else:
                    entry["choices"] = {c.name: c.code for c in row.choices}
            out[row.target] = entry
        for value in self.values:
            if value.target not in out and value.value:
                out[value.target] = {"value": value.value}
        self._built = out
        return out

    def is_valid(self) -> bool:
        mapping = self.mapping()
        by_target = {row.target: row for row in self.rows if row.target}
        values = {v.target: v for v in self.values}
        for error in self._mappings.mapping_errors(self.form, mapping):
            holder = by_target.get(error.target) or values.get(error.target)
            if holder is not None:
                holder.problems.append(error.message)
            else:
                self.problems.append(error.message)
        return (
            not self.problems
            and not any(r.problems for r in self.rows)
            and not any(v.problems for v in self.values)
        )

    def add_problem(self, message) -> None:
        self.problems.append(message)

    @property
    def mapped(self) -> int:
        return sum(1 for row in self.rows if row.target)
