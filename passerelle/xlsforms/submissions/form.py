"""What the submission readers need of a form: its questions by path, their types, labels,
choices and repeat, read from H3's FormDefinition (`passerelle.xlsforms.forms`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Question:
    path: str  # "group/sub/name", without the form's root
    name: str
    type: str  # "select_one", "select_multiple", "date", "geopoint", "integer", "text"...
    labels: dict[str, str] = field(default_factory=dict)
    required: bool = False
    repeat: str = ""  # path of the innermost repeat holding it, "" at the top level
    choices: dict[str, dict[str, str]] = field(default_factory=dict)  # name → labels
    group_labels: list[dict[str, str]] = field(default_factory=list)  # enclosing groups' labels
    ignored: bool = False  # calculate, note, metadata: known columns, never required

    @property
    def is_select(self) -> bool:
        return self.type in ("select_one", "select_multiple")


@dataclass
class FormView:
    """What this module needs of H3's FormDefinition (`passerelle.xlsforms.forms`)."""

    questions: dict[str, Question]  # path → question
    repeats: set[str]
    version: str = ""

    def find(self, ref: str) -> Question | None:
        """A question by path, xpath (`/data/group/q`) or unique name."""
        ref = str(ref or "").strip()
        if not ref:
            return None
        if ref in self.questions:
            return self.questions[ref]
        parts = [p for p in ref.split("/") if p]
        for start in range(len(parts)):
            path = "/".join(parts[start:])
            if path in self.questions:
                return self.questions[path]
        named = [q for q in self.questions.values() if q.name == parts[-1]] if parts else []
        return named[0] if len(named) == 1 else None


def _labels(value) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if v}
    return {"": str(value)} if value else {}


def form_view(definition) -> FormView | None:
    """The FormView of a `passerelle.xlsforms.forms.FormDefinition` (a FormView or None is
    returned as is; a stored definition's JSON is read with FormDefinition.from_json)."""
    if definition is None or isinstance(definition, FormView):
        return definition
    if isinstance(definition, dict):
        from passerelle.xlsforms.forms import FormDefinition

        definition = FormDefinition.from_json(definition)
    by_xpath = {q.xpath: q for q in definition.questions}
    questions: dict[str, Question] = {}
    repeats: set[str] = set()
    for item in definition.questions:
        if item.type == "repeat":
            repeats.add(item.path)
        if item.type in ("group", "repeat"):
            continue
        groups = []
        parent = by_xpath.get(item.group)
        while parent is not None:
            groups.insert(0, _labels(parent.labels))
            parent = by_xpath.get(parent.group)
        repeat = by_xpath.get(item.repeat)
        questions[item.path] = Question(
            path=item.path,
            name=item.name,
            type=item.type,
            labels=_labels(item.labels),
            required=bool(item.required) and not item.ignored,
            repeat=repeat.path if repeat is not None else "",
            choices={c.name: _labels(c.labels) for c in definition.choices(item)},
            group_labels=groups,
            ignored=bool(item.ignored),
        )
    return FormView(questions=questions, repeats=repeats, version=str(definition.version or ""))
