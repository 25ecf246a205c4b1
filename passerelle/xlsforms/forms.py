"""Reading an XLSForm (the .xlsx a KoboToolbox or ODK form is designed in) with pyxform.

`read_form(xlsx_bytes, files=None) -> FormDefinition` gives what an import needs to know of a
form, and nothing of anybody's answers: its id (`id_string`), version, title, languages, and
every question in form order with its xpath (`/data/incident/date_incident`), its path as
Kobo exports name it (`incident/date_incident`), type, labels in every language, the group and
repeat it sits in, its choice list and `choice_filter`. Calculates, notes and metadata
(start, end, deviceid...) are kept in the tree but flagged `ignored`.

Choices come from the `choices` sheet, from the `external_choices` sheet
(`select_one_external`), or from a CSV file attached to the form (`select_one_from_file
villages.csv`): pass such files as `files={"villages.csv": bytes}`; a file not given is listed
in `FormDefinition.missing_files` (its question's answers are then known by their names only).

pyxform's own errors become a `FormRefused` (a DomainError) worded in the user's language and
naming the sheet and row when pyxform does; a file that is not a workbook, or one past the
limits below (zip bombs included, through `core.spreadsheets.inspect`), is refused before
pyxform reads it. No traceback ever reaches the user.

Reading is pyxform's `workbook_to_json` and `create_survey_element_from_dict` (the XForm XML
itself is not generated: nothing here needs it, and it is most of pyxform's time on large
forms). A 400-question form in three languages with 4,200 cascading choices reads in about
0.5 s (see tests/test_read_form.py::test_large_form_reads_quickly).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from passerelle.core import spreadsheets
from passerelle.core.errors import DomainError

MB = 1024 * 1024
MAX_FORM_BYTES = 10 * MB  # the .xlsx as uploaded
MAX_FILE_BYTES = 10 * MB  # one attached choices file
MAX_QUESTIONS = 5_000
MAX_CHOICES = 200_000  # all lists together

# Question types kept in the tree but never mapped (no answer worth importing).
METADATA_TYPES = {
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
    "username", "email", "audit", "start-geopoint", "background-audio", "uri:subscriberid",
    "uri:phonenumber", "uri:email", "uri:username", "uri:deviceid", "uri:simserial",
}  # fmt: skip
IGNORED_TYPES = {"calculate", "note", "hidden", "xml-external", "csv-external"} | METADATA_TYPES
TYPE_NAMES = {
    "select one": "select_one",
    "select one external": "select_one",
    "select all that apply": "select_multiple",
    "select multiple": "select_multiple",
    "select_one": "select_one",
    "select_multiple": "select_multiple",
}
FILE_EXTENSIONS = (".csv", ".xml", ".geojson")

# Language names as forms spell them → two-letter code (when no "(xx)" is given).
LANGUAGE_NAMES = {
    "french": "fr", "francais": "fr", "français": "fr", "english": "en", "anglais": "en",
    "bambara": "bm", "arabic": "ar", "arabe": "ar", "portuguese": "pt", "spanish": "es",
    "default": "",
}  # fmt: skip

MESSAGES = {
    "too_large": _(
        "The form file is too large (at most %(limit)s MB): is it really an XLSForm?"
    ),
    "file_too_large": _(
        "The choices file “%(name)s” is too large (at most %(limit)s MB)."
    ),
    "no_survey": _(
        "This workbook has no “survey” sheet: it is not an XLSForm. An XLSForm has a "
        "“survey” sheet (the questions) and usually “choices” and “settings” sheets."
    ),
    "too_many": _(
        "This form has more questions or choices than Passerelle reads (at most %(questions)s "
        "questions and %(choices)s choices)."
    ),
    "unreadable": _(
        "This file could not be read as an XLSForm. Check that it is the .xlsx form itself "
        "(not an export of submissions) and that it opens in a spreadsheet program."
    ),
    "unclosed_group": _(
        "Sheet “survey”, row %(row)s: the group or repeat “%(name)s” is opened but never "
        "closed (add the matching end_group or end_repeat row)."
    ),
    "unopened_group": _(
        "Sheet “survey”, row %(row)s: an end_group or end_repeat closes “%(name)s”, which was "
        "never opened."
    ),
    "duplicate_name": _(
        "Sheet “survey”, row %(row)s: the name “%(name)s” is used twice in the same group or "
        "repeat. Each question needs a name of its own."
    ),
    "unknown_reference": _(
        "Sheet “%(sheet)s”, row %(row)s, column “%(column)s”: ${%(name)s} refers to no "
        "question of the survey sheet."
    ),
    "missing_list": _(
        "Sheet “survey”, row %(row)s: the choice list “%(name)s” is not on the choices sheet."
    ),
    "bad_name": _(
        "Sheet “%(sheet)s”, row %(row)s, column “%(column)s”: a name must begin with a letter "
        "or an underscore and hold only letters, digits, underscores, hyphens or periods (no "
        "spaces)."
    ),
    "duplicate_choice": _(
        "Sheet “choices”, row %(row)s: this choice name appears twice in the same list."
    ),
    "missing_columns": _(
        "Sheet “%(sheet)s”: required columns are missing (%(columns)s)."
    ),
    "pyxform_row": _(
        "Sheet “%(sheet)s”, row %(row)s: the form was refused by pyxform, the XLSForm reader. "
        "Its explanation, in English: %(detail)s"
    ),
    "pyxform": _(
        "The form was refused by pyxform, the XLSForm reader. Its explanation, in English: "
        "%(detail)s"
    ),
}  # fmt: skip


class FormRefused(DomainError):
    """An XLSForm that cannot be read; `sheet` and `row` when known, `detail` pyxform's own
    (English) words."""

    def __init__(self, reason: str, *, sheet: str = "", row: int | None = None, detail="", **p):
        params = {"sheet": sheet, "row": row, "detail": detail, **p}
        # Worded when shown, in the reader's language at that time.
        message = lazy(lambda: str(MESSAGES[reason]) % params, str)()
        super().__init__(message, code=f"xlsform_{reason}")
        self.reason = reason
        self.sheet = sheet
        self.row = row
        self.detail = detail


@dataclass
class Choice:
    name: str
    labels: dict[str, str] = field(default_factory=dict)  # language → label
    # Other columns of the row (cascade filters such as "region": "kayes").
    filters: dict[str, str] = field(default_factory=dict)


@dataclass
class Question:
    name: str
    xpath: str  # /data/incident/date_incident
    path: str  # incident/date_incident (Kobo's column names, "/" separated)
    type: str  # pyxform's type; selects normalised to select_one / select_multiple
    labels: dict[str, str] = field(default_factory=dict)
    group: str = ""  # xpath of the nearest enclosing group or repeat ("" at the top)
    repeat: str = ""  # xpath of the nearest enclosing repeat ("" when not in one)
    list_name: str = ""  # its choices: FormDefinition.choice_lists[list_name]
    choices_file: str = ""  # select_one_from_file: the file the choices come from
    choice_filter: str = ""
    required: bool = False
    ignored: bool = False  # calculate, note, metadata: never mapped

    @property
    def is_select(self) -> bool:
        return self.type in ("select_one", "select_multiple")

    @property
    def is_section(self) -> bool:
        return self.type in ("group", "repeat")


@dataclass
class FormDefinition:
    form_id: str
    version: str
    title: str
    languages: list[str]  # as the form declares them: "Français (fr)", "English (en)"...
    default_language: str
    questions: list[Question]  # form order; groups and repeats included (type group/repeat)
    choice_lists: dict[str, list[Choice]]
    missing_files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # SHA-256 of the form's content as pyxform reads it (not of the file's bytes: the same
    # form saved again by a spreadsheet program, with new zip dates, has the same digest).
    digest: str = ""

    # -- lookups ---------------------------------------------------------------------------

    def question(self, ref: str) -> Question | None:
        """By xpath, Kobo path or name (a name only when no other question has it)."""
        index = self.__dict__.get("_index")
        if index is None:
            index = {}
            names: dict[str, list[Question]] = {}
            for q in self.questions:
                index[q.xpath] = q
                index[q.path] = q
                names.setdefault(q.name, []).append(q)
            for name, found in names.items():
                if len(found) == 1:
                    index.setdefault(name, found[0])
            self.__dict__["_index"] = index
        return index.get(ref)

    def choices(self, question: Question) -> list[Choice]:
        return self.choice_lists.get(question.list_name, []) if question.list_name else []

    @property
    def repeats(self) -> list[Question]:
        return [q for q in self.questions if q.type == "repeat"]

    def language_code(self, language: str) -> str:
        return language_code(language)

    def label(self, item: Question | Choice, language: str = "fr") -> str:
        """The label in `language` (a code: "fr", "en"), else in the default language, else
        any, else the name."""
        labels = item.labels
        for declared, text in labels.items():
            if language_code(declared) == language and text:
                return text
        if labels.get(self.default_language):
            return labels[self.default_language]
        return next((t for t in labels.values() if t), item.name)

    # -- storage (FormVersion.definition) -----------------------------------------------------

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("_index", None)
        return data

    @classmethod
    def from_json(cls, data: dict) -> FormDefinition:
        return cls(
            form_id=data["form_id"],
            version=data.get("version", ""),
            title=data.get("title", ""),
            languages=list(data.get("languages", [])),
            default_language=data.get("default_language", ""),
            questions=[Question(**q) for q in data.get("questions", [])],
            choice_lists={
                k: [Choice(**c) for c in v] for k, v in data.get("choice_lists", {}).items()
            },
            missing_files=list(data.get("missing_files", [])),
            warnings=list(data.get("warnings", [])),
            digest=data.get("digest", ""),
        )


def notices(form: FormDefinition) -> list:
    """What the officer should know of a form that was read (worded when shown): choices
    files it loads that were not given (or that Passerelle does not read)."""
    out = []
    csv_files = [f for f in form.missing_files if f.lower().endswith(".csv")]
    other = [f for f in form.missing_files if not f.lower().endswith(".csv")]
    if csv_files:
        names = ", ".join(csv_files)
        message = _(
            "This form loads choices from files that were not given: %(files)s. Add them "
            "with the form so that their answers can be mapped; without them those answers "
            "are known by their names only."
        )
        out.append(lazy(lambda: str(message) % {"files": names}, str)())
    if other:
        names = ", ".join(other)
        message_other = _(
            "This form loads choices from XML or GeoJSON files (%(files)s), which Passerelle "
            "does not read: those answers are known by their names only."
        )
        out.append(lazy(lambda: str(message_other) % {"files": names}, str)())
    return out


def language_code(language: str) -> str:
    """ "Français (fr)" → "fr", "English" → "en", "default" → ""."""
    found = re.search(r"\(([A-Za-z]{2,3})(?:[-_][A-Za-z]+)?\)\s*$", language or "")
    if found:
        return found.group(1).lower()
    return LANGUAGE_NAMES.get((language or "").strip().lower(), (language or "").strip().lower())


def digest(data: bytes | dict) -> str:
    """SHA-256 of an uploaded file's bytes, or of a dict as canonical JSON (pyxform's reading
    of a form: `FormDefinition.digest`)."""
    if isinstance(data, dict):
        data = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def read_form(data: bytes, files: dict[str, bytes] | None = None) -> FormDefinition:
    """The form's definition; FormRefused (a DomainError) for anything pyxform rejects, a
    file that is not an XLSForm, or one past the limits."""
    if len(data) > MAX_FORM_BYTES:
        raise FormRefused("too_large", limit=MAX_FORM_BYTES // MB)
    spreadsheets.inspect(data)  # refuses non-zips and zip bombs from the directory alone
    from pyxform.builder import create_survey_element_from_dict
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

    warnings: list[str] = []
    try:
        workbook = get_xlsform(io.BytesIO(data), file_type=".xlsx")
    except PyXFormError as exc:
        raise refusal(exc) from None
    except Exception:  # a damaged workbook: pyxform's backends raise what openpyxl raises
        raise FormRefused("unreadable") from None
    if "survey" not in {name.lower() for name in (workbook.sheet_names or [])}:
        raise FormRefused("no_survey")
    try:
        tree = workbook_to_json(
            workbook_dict=workbook,
            form_name=None,
            fallback_form_name=workbook.fallback_form_name,
            default_language=None,
            warnings=warnings,
        )
        create_survey_element_from_dict(tree)  # pyxform's checks of the whole structure
    except PyXFormError as exc:
        raise refusal(exc) from None
    except Exception:
        raise FormRefused("unreadable") from None
    definition = _definition(tree, workbook, files or {}, warnings)
    definition.digest = digest({"tree": tree, "external": workbook.external_choices or []})
    return definition


def _definition(tree: dict, workbook, files: dict[str, bytes], warnings: list) -> FormDefinition:
    default_language = tree.get("default_language") or "default"
    languages: list[str] = []
    choice_lists: dict[str, list[Choice]] = {}

    def labels(item: dict) -> dict[str, str]:
        label = item.get("label")
        if label is None:
            return {}
        found = label if isinstance(label, dict) else {default_language: label}
        out = {}
        for language, text in found.items():
            if language not in languages:
                languages.append(language)
            out[language] = str(text) if text is not None else ""
        return out

    for list_name, rows in (tree.get("choices") or {}).items():
        choice_lists[list_name] = [_choice(row, labels) for row in rows]
    external = _external_choices(workbook)
    for list_name, rows in external.items():
        choice_lists.setdefault(list_name, [_choice(row, labels) for row in rows])

    questions: list[Question] = []
    missing: list[str] = []
    root = "/" + tree.get("name", "data")

    def walk(children, parent_xpath, parent_path, group, repeat):
        for child in children:
            kind = child.get("type", "")
            name = child.get("name", "")
            xpath = f"{parent_xpath}/{name}"
            path = f"{parent_path}/{name}" if parent_path else name
            qtype = TYPE_NAMES.get(kind, kind)
            question = Question(
                name=name,
                xpath=xpath,
                path=path,
                type=qtype,
                labels=labels(child),
                group=group,
                repeat=repeat,
                choice_filter=child.get("choice_filter", "") or "",
                required=str((child.get("bind") or {}).get("required", "")).lower()
                in ("yes", "true", "true()"),
                ignored=kind in IGNORED_TYPES or path == "meta" or parent_path == "meta",
            )
            if question.is_select:
                itemset = child.get("itemset") or child.get("list_name") or ""
                if itemset.lower().endswith(FILE_EXTENSIONS):
                    question.choices_file = itemset
                    if itemset not in choice_lists:
                        rows = _file_choices(itemset, files, missing)
                        if rows is not None:
                            choice_lists[itemset] = [_choice(r, labels) for r in rows]
                    if itemset in choice_lists:
                        question.list_name = itemset
                elif itemset in choice_lists:
                    question.list_name = itemset
            questions.append(question)
            if kind in ("group", "repeat"):
                walk(
                    child.get("children", []),
                    xpath,
                    path,
                    xpath,
                    xpath if kind == "repeat" else repeat,
                )

    walk(tree.get("children", []), root, "", "", "")
    if len(questions) > MAX_QUESTIONS or sum(map(len, choice_lists.values())) > MAX_CHOICES:
        raise FormRefused("too_many", questions=MAX_QUESTIONS, choices=MAX_CHOICES)
    if default_language not in languages and languages:
        default_language = languages[0]
    return FormDefinition(
        form_id=str(tree.get("id_string") or ""),
        version=str(tree.get("version") or ""),
        title=str(tree.get("title") or ""),
        languages=languages,
        default_language=default_language,
        questions=questions,
        choice_lists=choice_lists,
        missing_files=missing,
        warnings=[str(w) for w in warnings],
    )


def _choice(row: dict, labels) -> Choice:
    label = row.get("label")
    if label is None:
        # Rows from external_choices or a file: label columns are still "label::Lang (xx)".
        tagged = {k.split("::", 1)[1]: v for k, v in row.items() if k.startswith("label::")}
        label = tagged or row.get("label")
    skip = {"name", "label", "list_name", "media", "image", "audio", "video"}
    filters = {
        k: str(v)
        for k, v in row.items()
        if k not in skip
        and not k.startswith(("label", "media", "image", "audio", "video"))
        and v not in (None, "")
        and isinstance(v, str | int | float)
    }
    return Choice(name=str(row.get("name", "")), labels=labels({"label": label}), filters=filters)


def _external_choices(workbook) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in workbook.external_choices or []:
        list_name = row.get("list_name")
        if list_name and row.get("name") not in (None, ""):
            out.setdefault(str(list_name), []).append(row)
    return out


def _file_choices(name: str, files: dict[str, bytes], missing: list[str]) -> list[dict] | None:
    """Rows of an attached CSV choices file; None (and `name` listed as missing) without it.
    XML and GeoJSON files are listed as missing too: Passerelle reads CSV files only."""
    data = files.get(name)
    if data is None or not name.lower().endswith(".csv"):
        if name not in missing:
            missing.append(name)
        return None
    if len(data) > MAX_FILE_BYTES:
        raise FormRefused("file_too_large", name=name, limit=MAX_FILE_BYTES // MB)
    text = _decode(data)
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    rows = []
    for row in reader:
        if not row.get("name"):
            continue
        rows.append({k.strip(): (v or "").strip() for k, v in row.items() if k})
        if len(rows) > MAX_CHOICES:
            raise FormRefused("too_many", questions=MAX_QUESTIONS, choices=MAX_CHOICES)
    return rows


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# ---------------------------------------------------------------------------------------------
# pyxform's errors, in the user's language
# ---------------------------------------------------------------------------------------------

ROW = re.compile(r"\[row\s*:\s*(\d+)\]")
SHEET = re.compile(r"(?:On the|sheet:?)\s*'(\w+)'(?: sheet)?", re.IGNORECASE)
PATTERNS = [
    ("unclosed_group", re.compile(r"Unmatched 'begin_\w+'.*name '([^']*)'")),
    ("unopened_group", re.compile(r"Unmatched 'end_\w+'.*name '([^']*)'")),
    ("duplicate_name", re.compile(r"'name' value '([^']*)' is invalid\. Questions, groups")),
    ("unknown_reference", re.compile(r"the '([^']*)' value is invalid\. Reference variables "
                                     r"must contain a name.*Could not find the name '([^']*)'")),
    ("missing_list", re.compile(r"List name not in choices sheet: (\S+)")),
    ("bad_name", re.compile(r"the '(\w+)' value is invalid\. Names must begin with a letter")),
    ("duplicate_choice", re.compile(r"Choice names must be unique for each choice list")),
    ("missing_columns", re.compile(r"required column headers were not found: (.*?)\.")),
]  # fmt: skip


def refusal(exc: Exception) -> FormRefused:
    """pyxform's exception → FormRefused naming the sheet and row when pyxform did."""
    detail = _plain(str(exc))
    row_found = ROW.search(detail)
    row = int(row_found.group(1)) if row_found else None
    sheet_found = SHEET.search(detail)
    sheet = sheet_found.group(1) if sheet_found else ("survey" if row else "")
    for reason, pattern in PATTERNS:
        found = pattern.search(detail)
        if not found:
            continue
        groups = found.groups()
        if reason in ("unclosed_group", "unopened_group", "duplicate_name", "missing_list"):
            if row is not None:
                return FormRefused(reason, sheet="survey", row=row, detail=detail, name=groups[0])
        elif reason == "unknown_reference" and row is not None:
            return FormRefused(
                reason, sheet=sheet, row=row, detail=detail, column=groups[0], name=groups[1]
            )
        elif reason == "bad_name" and row is not None:
            return FormRefused(reason, sheet=sheet, row=row, detail=detail, column=groups[0])
        elif reason == "duplicate_choice" and row is not None:
            return FormRefused(reason, sheet="choices", row=row, detail=detail)
        elif reason == "missing_columns":
            return FormRefused(reason, sheet=sheet, detail=detail, columns=groups[0])
    if row is not None:
        return FormRefused("pyxform_row", sheet=sheet or "survey", row=row, detail=detail)
    return FormRefused("pyxform", sheet=sheet, detail=detail)


def _plain(text: str) -> str:
    """pyxform's message on one line, without control characters, bounded."""
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:500]
