"""Reading submission exports (see the package's docstring)."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from passerelle.core import spreadsheets
from passerelle.core.errors import DomainError, worded
from passerelle.core.exports import unescape
from passerelle.imports.rows import RowError

from .dates import parse_datetime
from .form import FormView, Question, form_view

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 20 * MB
DEFAULT_MAX_ROWS = 100_000
QUOTE_LIMIT = 40  # characters of a code quoted in a message

# --------------------------------------------------------------------------- messages

REFUSALS = {
    "too_large": _(
        "The file is larger than an import may be (at most %(limit)s MB): split the export "
        "into several files, for instance by submission date."
    ),
    "too_many_rows": _("The file holds more than %(limit)s submissions: split the export."),
    "empty": _("The file holds no submission."),
    "unreadable": _("The file could not be read as a CSV, XLSX or JSON export of submissions."),
    "encoding": _("The file could not be read with the encoding %(encoding)s."),
    "binary": _("The file holds characters that a text export never holds (it may be damaged)."),
    "no_header": _("The first line of the file should name the columns; it is empty."),
    "duplicate_columns": _("The column %(column)s appears more than once in the first line."),
    "unknown_columns": _(
        "This export does not match the form version uploaded: its columns %(columns)s are "
        "not questions of the form. Upload the form version the data was collected with, or "
        "export the submissions of this form version only."
    ),
    "ambiguous_columns": _(
        "The columns %(columns)s name several questions of the form (the same label or name "
        'in different groups): export the submissions with "XML values and headers" and '
        "group names."
    ),
    "missing_questions": _(
        "This export does not match the form version uploaded: the required questions "
        "%(columns)s have no column in the file."
    ),
    "version_mismatch": _(
        "This export does not match the form version uploaded: the submissions were made with "
        "version %(found)s of the form, the uploaded form is version %(expected)s."
    ),
    "no_key": _(
        "The file has no column identifying each submission (_uuid, meta/instanceID or KEY): "
        "export it again with the submission's metadata."
    ),
}


class SubmissionsRefused(DomainError):
    """The whole file is refused (size, format, a form it does not match); `reason` is a
    REFUSALS key, or a core.spreadsheets reason for a workbook."""

    def __init__(self, reason: str, message=None, **params):
        if message is None:
            message = worded(REFUSALS[reason], **params)
        super().__init__(message, code=reason)
        self.reason = reason
        self.params = params

    def as_row_error(self) -> RowError:
        return RowError(row=0, column="", message=self.message, code=self.reason)


# --------------------------------------------------------------------------- what is read


@dataclass
class Entry:
    """One entry of a repeat group (a victim, for instance)."""

    row: int  # the row of its own sheet (XLSX), else its submission's row
    values: dict[str, Any] = field(default_factory=dict)  # question path → raw value
    columns: dict[str, str] = field(default_factory=dict)  # question path → column as written
    sheet: str = ""


@dataclass
class Submission:
    row: int  # row of the file (header is row 1) or position in a JSON list (from 1)
    key: str = ""
    version: dt.datetime | None = None
    replaces: str = ""
    form_version: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # question path → raw value
    columns: dict[str, str] = field(default_factory=dict)  # question path → column as written
    repeats: dict[str, list[Entry]] = field(default_factory=dict)  # repeat path → entries


@dataclass
class ReadResult:
    submissions: list[Submission]
    errors: list[RowError]
    notes: list = field(default_factory=list)  # lazy strings: what was guessed or skipped
    format: str = ""
    encoding: str = ""
    delimiter: str = ""


# Columns every Kobo / ODK export may add that are not questions of the form.
META_COLUMNS = {
    name.casefold()
    for name in (
        "_id _uuid _submission_time _index _parent_index _parent_table_name _submission__id "
        "_submission__uuid _submission__submission_time _submission__validation_status "
        "_submission__notes _submission__status _submission__submitted_by _submission___version__ "
        "_submission__tags _validation_status _notes _status _submitted_by _tags __version__ "
        "_version_ _version _xform_id_string _attachments _geolocation _bamboo_dataset_id "
        "_media_all_received _total_media _media_count _supplementalDetails "
        "formhub/uuid formhub.uuid formhub-uuid meta/instanceID meta.instanceID meta-instanceID "
        "meta/deprecatedID meta.deprecatedID meta-deprecatedID meta/instanceName "
        "meta.instanceName meta-instanceName meta/rootUuid meta.rootUuid meta-rootUuid "
        "meta/audit meta.audit instanceID deprecatedID instanceName "
        "SubmissionDate KEY PARENT_KEY SubmitterID SubmitterName AttachmentsPresent "
        "AttachmentsExpected Status ReviewState DeviceID Edits FormVersion UpdatedAt "
        "__id __system"
    ).split()
}
# XLSForm metadata questions, exported even when the form read leaves them out.
METADATA_QUESTIONS = {
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "simserial",
    "subscriberid",
    "phonenumber",
    "audit",
    "email",
    "start-geopoint",
    "background-audio",
}
KEY_COLUMNS = ("_uuid", "meta/instanceid", "meta.instanceid", "meta-instanceid", "instanceid")
KEY_FALLBACK = ("key", "__id")
TIME_COLUMNS = ("_submission_time", "submissiondate")
REPLACES_COLUMNS = ("meta/deprecatedid", "meta.deprecatedid", "meta-deprecatedid", "deprecatedid")
VERSION_COLUMNS = ("__version__", "_version_", "formversion")
GEO_SUFFIXES = {
    "latitude": 0,
    "longitude": 1,
    "altitude": 2,
    "precision": 3,
    "accuracy": 3,
}
SEPARATORS = ("/", ".", "-", ":")


def normalise_key(value) -> str:
    """A submission key as Passerelle keeps it: no "uuid:" prefix, no surrounding spaces."""
    text = str(value or "").strip()
    if text[:5].lower() == "uuid:":
        text = text[5:]
    return text


def _norm(text) -> str:
    """A header or label compared loosely: NFC, case-folded, spaces collapsed."""
    text = unicodedata.normalize("NFC", str(text)).casefold()
    return " ".join(text.split())


def _quote(value) -> str:
    text = str(value)
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"


# --------------------------------------------------------------------------- bytes to text


def max_bytes() -> int:
    return int(getattr(settings, "XLSFORM_SUBMISSIONS_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "XLSFORM_SUBMISSIONS_MAX_ROWS", DEFAULT_MAX_ROWS))


def check_size(size: int) -> None:
    """Refuse a file past the limit, before anything reads it (call with the upload's size)."""
    if size > max_bytes():
        raise SubmissionsRefused("too_large", limit=max_bytes() // MB)


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str, list]:
    """(text, encoding used, notes): the encoding given, else a BOM (UTF-8, UTF-16), else
    UTF-16 recognised by its zero bytes, else UTF-8, else Windows-1252 (Latin-1) with a note."""
    notes = []
    if encoding:
        try:
            codecs.lookup(encoding)
            return data.decode(encoding), encoding, notes
        except (LookupError, UnicodeDecodeError) as exc:
            raise SubmissionsRefused("encoding", encoding=_quote(encoding)) from exc
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig", notes
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "utf-16", notes
        sample = data[:400]
        if len(sample) >= 4 and sample.count(0) * 3 >= len(sample):
            order = "utf-16-le" if sample[1] == 0 else "utf-16-be"
            return data.decode(order), order, notes
    except UnicodeDecodeError as exc:
        raise SubmissionsRefused("encoding", encoding="UTF-16") from exc
    try:
        return data.decode("utf-8"), "utf-8", notes
    except UnicodeDecodeError:
        pass
    notes.append(
        _(
            "The file is not in UTF-8: it was read as Windows-1252 (Latin-1). If accents look "
            "wrong in the preview, export the file again in UTF-8."
        )
    )
    try:
        return data.decode("cp1252"), "cp1252", notes
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", notes


def _text(data: bytes, encoding: str | None) -> tuple[str, str, list]:
    """`decode`, without a BOM left in the text, refusing what is not text at all."""
    text, used, notes = decode(data, encoding)
    text = text.removeprefix("\ufeff")
    head = text[:8192]
    controls = sum(1 for c in head if unicodedata.category(c) == "Cc" and c not in "\t\n\r")
    if "\x00" in head or controls * 200 > len(head):
        raise SubmissionsRefused("binary")
    return text, used, notes


def sniff_delimiter(text: str) -> str:
    """`,` `;` or tab: among those found outside quotes in the header line, the one that cuts
    the first lines into as many cells as the header (a label may hold a comma), then the most
    frequent in the header."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in text[:65536]:
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            break
        elif char in counts and not quoted:
            counts[char] += 1
    found = [d for d in counts if counts[d]]
    if not found:
        return ","
    sample = text[:65536]

    def regular(delimiter: str) -> bool:
        lines = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        try:
            widths = [len(row) for row, _n in zip(lines, range(20), strict=False) if row]
        except csv.Error:
            return False
        return len(set(widths[:-1] or widths)) == 1  # the last line may be cut off

    return max(found, key=lambda d: (regular(d), counts[d], d == ";", d == "\t"))


def detect_format(data: bytes) -> str:
    """ "xlsx", "zip" (ODK Central's CSV files), "json" or "csv"."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise SubmissionsRefused("unreadable") from exc
        return "xlsx" if any(n.startswith("xl/") for n in names) else "zip"
    head = data[:64].lstrip(codecs.BOM_UTF8).lstrip()
    if head[:1] in (b"{", b"["):
        return "json"
    return "csv"


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Col:
    header: str  # as written in the file
    kind: str  # "meta", "value", "choice" (one column per choice), "geo" (a part), "unknown"
    path: str = ""  # question path; for "meta" the case-folded column name
    extra: Any = None  # the choice's name, or the geopoint part's index


IGNORED_TYPES = {"note", "begin group", "end group", "begin repeat", "end repeat"}


class Columns:
    """Recognises an export's column headers: the form's questions by path (any separator),
    by name or by label (any language; Kobo's "group label/question label"), select_multiple
    choices one per column, geopoint parts, and the metadata exports add."""

    def __init__(self, form: FormView | None):
        self.form = form
        self.exact: dict[str, Col] = {}
        self.loose: dict[str, Col | None] = {}  # None: ambiguous
        if form is not None:
            for question in form.questions.values():
                if question.path.split("/")[0] != "meta":  # instanceID...: metadata
                    self._add_question(question)

    def _put(self, key: str, col: Col, exact: bool) -> None:
        key = _norm(key)
        if exact:
            self.exact.setdefault(key, col)
        elif self.loose.get(key, col) != col:
            self.loose[key] = None
        else:
            self.loose[key] = col

    def _add_question(self, q: Question) -> None:
        parts = q.path.split("/")
        exact = [sep.join(parts) for sep in SEPARATORS]
        loose = [q.name]
        for language, label in q.labels.items():
            loose.append(label)
            groups = [g.get(language) or g.get("") for g in q.group_labels]
            if groups and all(groups):
                loose.append("/".join([*groups, label]))
        for keys, is_exact in ((exact, True), (loose, False)):
            for key in keys:
                self._put(key, Col("", "value", q.path), is_exact)
                if q.type == "geopoint":
                    for suffix, index in GEO_SUFFIXES.items():
                        col = Col("", "geo", q.path, index)
                        self._put(f"_{key}_{suffix}", col, is_exact)
                        for sep in SEPARATORS:
                            self._put(f"{key}{sep}{suffix}", col, is_exact)
                if q.type == "select_multiple":
                    for choice, labels in q.choices.items():
                        col = Col("", "choice", q.path, choice)
                        for sep in SEPARATORS:
                            self._put(f"{key}{sep}{choice}", col, is_exact)
                        if not is_exact:
                            for label in labels.values():
                                self._put(f"{key}/{label}", col, False)

    def resolve(self, headers: Iterable[str]) -> list[Col]:
        headers = [str(h if h is not None else "").strip() for h in headers]
        if self.form is not None:
            return [self._one(h) for h in headers]
        plain = [h for h in headers if h.casefold() not in META_COLUMNS and not h.startswith("_")]
        separator = next((s for s in ("/", ".") if any(s in h for h in plain)), "")
        cols = []
        for header in headers:
            if header.casefold() in META_COLUMNS or header.startswith("_"):
                cols.append(Col(header, "meta", header.casefold()))
            else:
                path = "/".join(header.split(separator)) if separator else header
                cols.append(Col(header, "value", path))
        return cols

    def _one(self, header: str) -> Col:
        key = _norm(header)
        col = self.exact.get(key) or self.loose.get(key)
        if col is not None:
            return dataclasses.replace(col, header=header)
        folded = header.casefold()
        if folded in META_COLUMNS or folded in METADATA_QUESTIONS or header.startswith("_"):
            return Col(header, "meta", folded)
        if not header:
            return Col(header, "meta", "")
        if key in self.loose:  # a label or name several questions share
            return Col(header, "ambiguous")
        if folded.endswith("_url") and self._one(header[:-4]).kind == "value":
            return Col(header, "meta", folded)  # Kobo's "include media URLs" column
        return Col(header, "unknown")


TRUE_CELLS = {"1", "1.0", "true", "vrai", "yes", "oui", "x"}


def _cell(value):
    """A cell as read: text unescaped (Passerelle's own exports) and stripped of the
    trailing spaces of fixed-width exports; numbers, dates and booleans unchanged; "" and
    None as None."""
    if value is None:
        return None
    if isinstance(value, str):
        text = unescape(value.strip("\r\n"))
        return text if text.strip() else None
    return value


def _fill(target, cols: list[Col], cells, sheet: str = "") -> dict[str, Any]:
    """Puts a row's cells into `target` (a Submission or an Entry); returns its metadata."""
    meta: dict[str, Any] = {}
    chosen: dict[str, list[str]] = {}
    geo: dict[str, list] = {}
    for col, raw in zip(cols, cells, strict=False):
        value = _cell(raw)
        if col.kind == "meta":
            if value is not None:
                meta[col.path] = value
            continue
        if col.kind == "unknown" or value is None:
            continue
        where = f"{sheet}!{col.header}" if sheet else col.header
        if col.kind == "value":
            target.values[col.path] = value
            target.columns[col.path] = where
        elif col.kind == "choice":
            target.columns.setdefault(col.path, where)
            if str(value).strip().casefold() in TRUE_CELLS or value is True or value == 1:
                chosen.setdefault(col.path, []).append(col.extra)
        elif col.kind == "geo":
            target.columns.setdefault(col.path, where)
            geo.setdefault(col.path, [None] * 4)[col.extra] = value
    for path, names in chosen.items():
        target.values.setdefault(path, " ".join(names))
    for path, parts in geo.items():
        if path not in target.values and parts[0] is not None and parts[1] is not None:
            target.values[path] = " ".join(str(p if p is not None else 0) for p in parts)
    return meta


def _meta(meta: dict, names: Iterable[str]):
    for name in names:
        if meta.get(name) not in (None, ""):
            return meta[name]
    return None


# --------------------------------------------------------------------------- readers


def _check_headers(cols: list[Col], form: FormView | None, *, check_required: bool = True):
    headers = [c.header for c in cols if c.header]
    seen = set()
    for header in headers:
        if header in seen:
            raise SubmissionsRefused("duplicate_columns", column=_quote(header))
        seen.add(header)
    if form is None:
        return
    ambiguous = [c.header for c in cols if c.kind == "ambiguous"]
    if ambiguous:
        raise SubmissionsRefused("ambiguous_columns", columns=_list(ambiguous))
    unknown = [c.header for c in cols if c.kind == "unknown"]
    if unknown:
        raise SubmissionsRefused("unknown_columns", columns=_list(unknown))
    if check_required:
        present = {c.path for c in cols if c.kind in ("value", "choice", "geo")}
        missing = [
            q.path
            for q in form.questions.values()
            if q.required and not q.repeat and q.type not in IGNORED_TYPES and q.path not in present
        ]
        if missing:
            raise SubmissionsRefused("missing_questions", columns=_list(missing))


def _list(names: list[str], most: int = 5) -> str:
    shown = ", ".join(f"« {_quote(n)} »" for n in names[:most])
    return shown + (f" (+{len(names) - most})" if len(names) > most else "")


def read_csv_text(text: str, form: FormView | None, delimiter: str | None = None):
    """(submissions, metadata per submission, delimiter) of a CSV export's text."""
    if "\x00" in text:
        raise SubmissionsRefused("binary")
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise SubmissionsRefused("no_header")
        cols = Columns(form).resolve(header)
        _check_headers(cols, form)
        found = []
        limit = max_rows()
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(found) >= limit:
                raise SubmissionsRefused("too_many_rows", limit=limit)
            submission = Submission(row=number)
            found.append((submission, _fill(submission, cols, cells)))
    except csv.Error as exc:
        raise SubmissionsRefused("unreadable") from exc
    return found, delimiter


def _sheets(data: bytes, limits) -> list[str]:
    return spreadsheets.sheet_names(data, limits=limits)


def _sheet_rows(data: bytes, sheet: str, limits):
    """(header, iterator of the other rows) of a sheet, reading only as many columns as the
    header names (openpyxl pads every row to the columns asked for)."""
    first = spreadsheets.read_rows(data, sheet=sheet, limits=limits)
    try:
        header = list(next(first, (1, ()))[1])
    finally:
        first.close()
    while header and header[-1] in (None, ""):
        header.pop()
    if not header:
        return [], iter(())
    narrow = dataclasses.replace(limits, max_columns=len(header))
    rows = spreadsheets.read_rows(data, sheet=sheet, limits=narrow)
    next(rows, None)
    return header, rows


def read_xlsx(data: bytes, form: FormView | None):
    """Kobo's XLSX: the first sheet holds one submission per row; each repeat group has its
    own sheet whose rows name their submission (`_submission__uuid`) or their parent row
    (`_parent_table_name`, `_parent_index` → the parent sheet's `_index`)."""
    # Kobo's XLSX of a large form: hundreds of columns, and XML ten times the file's size.
    limits = dataclasses.replace(
        spreadsheets.LIMITS,
        max_columns=2000,
        max_rows=max_rows() + 1,
        max_uncompressed=max(spreadsheets.LIMITS.max_uncompressed, 10 * max_bytes()),
    )
    try:
        names = _sheets(data, limits)
        found, by_key, by_index = [], {}, {}
        for position, sheet in enumerate(names):
            header, rows = _sheet_rows(data, sheet, limits)
            if position == 0:
                if not header or not any(h not in (None, "") for h in header):
                    raise SubmissionsRefused("no_header")
                cols = Columns(form).resolve(header)
                _check_headers(cols, form)
                for number, cells in rows:
                    if not any(c not in (None, "") for c in cells):
                        continue
                    submission = Submission(row=number)
                    meta = _fill(submission, cols, cells)
                    found.append((submission, meta))
                    key = normalise_key(_meta(meta, KEY_COLUMNS))
                    if key:
                        by_key.setdefault(key, submission)
                    if meta.get("_index") is not None:
                        by_index[(sheet, str(meta["_index"]))] = submission
                continue
            cols = Columns(form).resolve(header)
            metas = {c.path for c in cols if c.kind == "meta"}
            if not metas & {"_parent_index", "_submission__uuid"}:
                continue  # not a repeat group's sheet
            _check_headers(cols, form, check_required=False)
            repeat = _repeat_of(cols, form) or sheet
            for number, cells in rows:
                if not any(c not in (None, "") for c in cells):
                    continue
                entry = Entry(row=number, sheet=sheet)
                meta = _fill(entry, cols, cells, sheet=sheet)
                owner = by_key.get(normalise_key(meta.get("_submission__uuid")))
                if owner is None:
                    parent = str(meta.get("_parent_table_name") or names[0])
                    owner = by_index.get((parent[:31], str(meta.get("_parent_index"))))
                if owner is None:
                    continue  # an orphan row: its submission is not in the file
                if meta.get("_index") is not None:
                    by_index[(sheet, str(meta["_index"]))] = owner
                owner.repeats.setdefault(repeat, []).append(entry)
    except spreadsheets.WorkbookRefused as exc:
        raise SubmissionsRefused(exc.reason, exc.message, **exc.params) from exc
    return found


def _repeat_of(cols: list[Col], form: FormView | None) -> str:
    if form is None:
        return ""
    repeats = [form.questions[c.path].repeat for c in cols if c.path in form.questions]
    repeats = [r for r in repeats if r]
    return max(set(repeats), key=repeats.count) if repeats else ""


def read_zip(data: bytes, form: FormView | None, encoding: str | None, notes: list):
    """ODK Central's "CSV files" zip: the form's CSV and one CSV per repeat group, whose
    rows name their parent by PARENT_KEY (the parent row's KEY)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = [e for e in archive.infolist() if e.filename.lower().endswith(".csv")]
            total = sum(e.file_size for e in entries)
            inflating = any(
                e.file_size > MB and e.file_size > 100 * e.compress_size for e in entries
            )
            too_large = total > spreadsheets.LIMITS.max_uncompressed or len(entries) > 50
            if not entries or too_large or inflating:
                raise SubmissionsRefused(
                    "too_large" if entries else "unreadable", limit=max_bytes() // MB
                )
            files = [(e.filename, archive.read(e)) for e in entries]
    except (zipfile.BadZipFile, ValueError, OSError, RuntimeError) as exc:
        raise SubmissionsRefused("unreadable") from exc
    files.sort(key=lambda f: (f[0].count("-"), len(f[0])))  # the form's own file first
    found, by_key = [], {}
    for position, (name, content) in enumerate(files):
        text, _used, more = _text(content, encoding)
        notes.extend(n for n in more if n not in notes)
        if position == 0:
            found, _delimiter = read_csv_text(text, form)
            for submission, meta in found:
                by_key[str(meta.get("key", ""))] = submission
            continue
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
        header = next(reader, [])
        cols = Columns(form).resolve(header)
        _check_headers(cols, form, check_required=False)
        repeat = _repeat_of(cols, form) or name.rsplit("-", 1)[-1].removesuffix(".csv")
        sheet = name.rsplit("/", 1)[-1]
        for number, cells in enumerate(reader, start=2):
            entry = Entry(row=number, sheet=sheet)
            meta = _fill(entry, cols, cells, sheet=sheet)
            owner = by_key.get(str(meta.get("parent_key", "")))
            if owner is not None:
                by_key[str(meta.get("key", ""))] = owner
                owner.repeats.setdefault(repeat, []).append(entry)
    return found


def _geojson(value) -> str | None:
    if isinstance(value, dict) and value.get("type") == "Point":
        coordinates = list(value.get("coordinates") or [])
        if len(coordinates) >= 2:
            lon, lat = coordinates[0], coordinates[1]
            alt = coordinates[2] if len(coordinates) > 2 else 0
            accuracy = (value.get("properties") or {}).get("accuracy", 0)
            return f"{lat} {lon} {alt} {accuracy}"
    return None


MAX_DEPTH = 30  # groups and repeats nested in one submission (forms nest a few levels)


def _flatten(obj: dict, prefix: str, target, meta: dict, repeats: dict, row: int, columns):
    if prefix.count("/") >= MAX_DEPTH:
        raise SubmissionsRefused("unreadable")
    for key, value in obj.items():
        key = str(key)
        if "@odata" in key:
            continue
        if key == "__system" and isinstance(value, dict):
            meta.update({f"__system/{k}".casefold(): v for k, v in value.items()})
            continue
        if not prefix or key.startswith(prefix + "/"):
            path = key
        else:
            path = f"{prefix}/{key}"
        if path.casefold() in META_COLUMNS or key.startswith("_") or path.startswith("meta/"):
            meta[path.casefold()] = value
            continue
        point = _geojson(value)
        if point is not None:
            value = point
        elif isinstance(value, dict):
            _flatten(value, path, target, meta, repeats, row, columns)
            continue
        elif isinstance(value, list):
            if value and all(isinstance(v, dict) for v in value):
                for item in value:
                    entry = Entry(row=row)
                    _flatten(item, path, entry, {}, repeats, row, columns)
                    repeats.setdefault(path, []).append(entry)
                continue
            value = " ".join(str(v) for v in value)
        if value is None or value == "":
            continue
        if columns is not None:
            col = columns.exact.get(_norm(path))
            if col is None and path.casefold() in METADATA_QUESTIONS:
                continue
            if col is None:
                raise SubmissionsRefused("unknown_columns", columns=_list([path]))
            path = col.path
        target.values[path] = value
        target.columns[path] = path


def read_json_text(text: str, form: FormView | None):
    """Kobo's JSON (a list, or the API's {"results": [...]}) or ODK Central's OData
    ({"value": [...]}, repeats expanded or not)."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SubmissionsRefused("unreadable") from exc
    if isinstance(document, dict):
        document = document.get("results", document.get("value", document.get("data")))
    if not isinstance(document, list):
        raise SubmissionsRefused("unreadable")
    if len(document) > max_rows():
        raise SubmissionsRefused("too_many_rows", limit=max_rows())
    found, columns = [], Columns(form) if form is not None else None
    for position, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            raise SubmissionsRefused("unreadable")
        submission, meta = Submission(row=position), {}
        _flatten(item, "", submission, meta, submission.repeats, position, columns)
        if "meta" in item and isinstance(item["meta"], dict):
            meta.update({f"meta/{k}".casefold(): v for k, v in item["meta"].items()})
        meta.setdefault("submissiondate", meta.get("__system/submissiondate"))
        meta.setdefault("formversion", meta.get("__system/formversion"))
        found.append((submission, meta))
    return found


# --------------------------------------------------------------------------- the whole file

ROW_MESSAGES = {
    "no_key": _("Row %(row)s, column %(column)s: the submission has no identifier."),
    "bad_time": _(
        "Row %(row)s, column %(column)s: the submission time %(value)s is not a date and time."
    ),
    "duplicate": _(
        "Row %(row)s, column %(column)s: the same submission (same identifier and time) is "
        "already in row %(first)s."
    ),
    "form_version": _(
        "Row %(row)s, column %(column)s: this submission was made with version %(found)s of "
        "the form, the uploaded form is version %(expected)s."
    ),
}
KOBO_VERSION_UID = re.compile(r"^v[A-Za-z0-9]{16,}$")


def row_error(code: str, row: int, column: str, **params) -> RowError:
    return RowError(
        row=row,
        column=column,
        message=worded(ROW_MESSAGES[code], row=row, column=column, **params),
        code=code,
    )


def read_submissions(
    data: bytes,
    definition=None,
    *,
    format: str | None = None,  # noqa: A002 - the option's name in ImportBatch.options
    encoding: str | None = None,
    delimiter: str | None = None,
) -> ReadResult:
    """Every submission of an export, or SubmissionsRefused for the whole file."""
    check_size(len(data))
    if not data.strip():
        raise SubmissionsRefused("empty")
    form = form_view(definition)
    kind = (format or detect_format(data)).lower()
    notes: list = []
    used = ""
    if kind == "xlsx":
        found = read_xlsx(data, form)
    elif kind == "zip":
        found = read_zip(data, form, encoding, notes)
    elif kind in ("csv", "json"):
        text, used, notes = _text(data, encoding)
        if kind == "json":
            found = read_json_text(text, form)
        else:
            found, delimiter = read_csv_text(text, form, delimiter)
    else:
        raise SubmissionsRefused("unreadable")
    if not found:
        raise SubmissionsRefused("empty")
    submissions, errors = _identify(found, form, notes)
    return ReadResult(submissions, errors, notes, kind, used, delimiter or "")


def _identify(found, form: FormView | None, notes: list):
    """Keys, versions and edits of each submission; duplicates and edit chains inside the
    file; the form version each was made with."""
    if not any(_meta(m, KEY_COLUMNS + KEY_FALLBACK) is not None for _s, m in found):
        raise SubmissionsRefused("no_key")
    errors: list[RowError] = []
    kept: list[Submission] = []
    for submission, meta in found:
        key = normalise_key(_meta(meta, KEY_COLUMNS) or _meta(meta, KEY_FALLBACK))
        if not key:
            errors.append(row_error("no_key", submission.row, "_uuid"))
            continue
        submission.key = key
        submission.replaces = normalise_key(_meta(meta, REPLACES_COLUMNS))
        stamp = _meta(meta, TIME_COLUMNS)
        if stamp is not None:
            try:
                submission.version = parse_datetime(stamp)
            except (ValueError, TypeError, OverflowError):
                column = next(c for c in TIME_COLUMNS if meta.get(c) is not None)
                errors.append(row_error("bad_time", submission.row, column, value=_quote(stamp)))
                continue
        submission.form_version = _form_version(meta)
        if form is not None:
            _move_repeated(submission, form)
        kept.append(submission)
    if form is not None and form.version:
        made = [s for s in kept if s.form_version]
        other = [s for s in made if s.form_version != form.version]
        if made and len(other) == len(made):
            raise SubmissionsRefused(
                "version_mismatch",
                found=_quote(other[0].form_version),
                expected=_quote(form.version),
            )
        for submission in other:
            errors.append(
                row_error(
                    "form_version",
                    submission.row,
                    "__version__",
                    found=_quote(submission.form_version),
                    expected=_quote(form.version),
                )
            )
        kept = [s for s in kept if s not in other]
    return _deduplicate(kept, errors, notes), errors


def _form_version(meta: dict) -> str:
    found = _meta(meta, ("_version_", "_version", "formversion", "__system/formversion"))
    if found is None:
        kobo = meta.get("__version__")
        if kobo is not None and not KOBO_VERSION_UID.match(str(kobo)):
            found = kobo
    return str(found).strip() if found is not None else ""


def _move_repeated(submission: Submission, form: FormView) -> None:
    """A flat row answering questions of a repeat (a CSV without repeat sheets) holds one
    entry of it."""
    entries: dict[str, Entry] = {}
    for path in list(submission.values):
        question = form.questions.get(path)
        if question is not None and question.repeat:
            entry = entries.setdefault(question.repeat, Entry(row=submission.row))
            entry.values[path] = submission.values.pop(path)
            entry.columns[path] = submission.columns.pop(path, path)
    for repeat, entry in entries.items():
        submission.repeats.setdefault(repeat, []).insert(0, entry)


def _deduplicate(kept: list[Submission], errors: list[RowError], notes: list) -> list[Submission]:
    by_key: dict[str, Submission] = {}
    older = 0
    for submission in kept:
        first = by_key.get(submission.key)
        if first is None:
            by_key[submission.key] = submission
        elif first.version and submission.version and first.version != submission.version:
            older += 1
            if submission.version > first.version:
                by_key[submission.key] = submission
        else:
            errors.append(row_error("duplicate", submission.row, "_uuid", first=first.row))
    replaced = {s.replaces for s in by_key.values() if s.replaces and s.replaces in by_key}
    if older or replaced:
        notes.append(
            worded(
                _(
                    "%(count)s older copies or edited versions of submissions found in the "
                    "file were skipped: only the latest version of each is imported."
                ),
                count=older + len(replaced),
            )
        )
    return sorted((s for key, s in by_key.items() if key not in replaced), key=lambda s: s.row)
