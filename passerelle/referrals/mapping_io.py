"""Import and export of the service mapping, as XLSX and as HXL-tagged CSV.

Export
------
One row per service, one column per field, in the order of `COLUMNS`. The CSV has the
headers in the user's language in row 1 and the HXL hashtags in row 2. The XLSX has the
headers in the user's language and a second sheet, "codes", that lists the valid service
types, target groups, statuses and provider acronyms with their French and English labels,
so that a partner can fill the file in. Lists (areas, target groups) are separated by ";".

HXL hashtags (../shared/domain/08-hxl.md; core hashtags, custom attributes where HXL has none):

================  ============================  ==========================================
column            hashtag written               why
================  ============================  ==========================================
code              #service+code                 the service's own stable code
name              #service+name                 #service: "services (healthcare...)"
provider          #org+acronym                  the providing organisation (custom +acronym)
service type      #service+type                 code from ServiceType
description       #description                  free text
areas             #loc+code+v_pcodes+list       P-codes of mixed admin levels: HXL uses #loc
                                                for mixed levels; +list: several values
target groups     #beneficiary+type+list        women, men, girls, boys
minimum age       #beneficiary+age+min          custom +age, +min
maximum age       #beneficiary+age+max          custom +age, +max
languages         #service+languages            custom attribute
days and hours    #service+hours                custom attribute
where to go       #loc+facility+name            the place to go to
contact           #contact+name / +phone / +email
capacity          #capacity+num+monthly         new cases a month
status            #status                       active / suspended
receiver          #contact+receiver+username    who receives referrals (custom attributes)
================  ============================  ==========================================

CSV cells that a spreadsheet would run as a formula (starting with "=" or "@", or with "+" or
"-" followed by something other than a phone number) are written with a leading "'", which the
import removes again. XLSX cells are always written as text, never as formulas.

Import
------
A file is an XLSX workbook (its first sheet) or a CSV file (UTF-8 or Windows-1252, separated
by ",", ";" or tabs), told apart by content, not by name. A row of HXL hashtags may follow the
header row, or replace it; rows above the header row are skipped. Columns come in any order
and are recognised by hashtag (attributes in any order; extra attributes allowed) or by
header in French or English; other columns are ignored and listed. Code, name, provider,
service type, areas and target groups are required columns; an optional column left out of
the file leaves that field of existing services as it is.

Every cell of every row is checked and every problem is collected (row, column, value,
message). If any row fails, nothing is applied and `ImportRejected` carries the problems
and what is needed to build the error report. Otherwise the rows are applied in one
transaction: services are matched by code, created or updated; a row identical to the
service it names writes nothing. Services absent from the file are left as they are. One
"service.import" audit event holds the counts.

Holders of `servicemap.manage` may import any provider's services; holders of
`service.manage` only those of their own organisations (other rows are errors).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import re
import unicodedata
import zlib
from dataclasses import dataclass, field

import openpyxl
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from passerelle import policy
from passerelle.accounts.models import Membership, Organisation, User
from passerelle.core import audit
from passerelle.core.errors import DomainError
from passerelle.geography.models import Area
from passerelle.policy.roles import ROLES

from .models import Service, ServiceType, TargetGroup

MAX_ROWS = 5000  # services in one file
MAX_BYTES = 5 * 1024 * 1024  # size of an uploaded file
MAX_COLUMNS = 60  # columns read from a file
MAX_SCAN = 100_000  # spreadsheet rows looked at, empty ones included
HEADER_SCAN = 10  # rows searched for the HXL hashtag row
MAX_REPORT_BYTES = 1_000_000  # compressed error report kept in the session
MAX_AGE = 120
MAX_CAPACITY = 2_147_483_647
SHEET = "services"
CODES_SHEET = "codes"

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy translation
    tag: str  # written on export
    specs: tuple[str, ...]  # hashtags recognised on import (their attributes, at least)
    required: bool = False


COLUMNS = (
    Column("code", _("Code"), "#service+code", ("#service+code", "#service+id"), True),
    Column("name", _("Service name"), "#service+name", ("#service+name",), True),
    Column("provider", _("Provider (acronym)"), "#org+acronym", ("#org+acronym",), True),
    Column("service_type", _("Service type"), "#service+type", ("#service+type",), True),
    Column("description", _("Description"), "#description", ("#description",)),
    Column(
        "areas",
        _("Areas served (P-codes)"),
        "#loc+code+v_pcodes+list",
        ("#loc+code", "#adm1+code", "#adm2+code", "#adm3+code"),
        True,
    ),
    Column(
        "target_groups",
        _("Target groups"),
        "#beneficiary+type+list",
        ("#beneficiary+type",),
        True,
    ),
    Column("min_age", _("Minimum age"), "#beneficiary+age+min", ("#beneficiary+age+min",)),
    Column("max_age", _("Maximum age"), "#beneficiary+age+max", ("#beneficiary+age+max",)),
    Column("languages", _("Languages"), "#service+languages", ("#service+languages",)),
    Column("hours", _("Days and hours"), "#service+hours", ("#service+hours",)),
    Column("location", _("Where to go"), "#loc+facility+name", ("#loc+name",)),
    Column("contact_name", _("Contact person"), "#contact+name", ("#contact+name",)),
    Column("contact_phone", _("Contact phone"), "#contact+phone", ("#contact+phone",)),
    Column("contact_email", _("Contact e-mail"), "#contact+email", ("#contact+email",)),
    Column("capacity", _("Capacity per month"), "#capacity+num+monthly", ("#capacity",)),
    Column("status", _("Status"), "#status", ("#status",)),
    Column(
        "receiver",
        _("Receives referrals (username)"),
        "#contact+receiver+username",
        ("#contact+receiver",),
    ),
)
BY_KEY = {c.key: c for c in COLUMNS}
TEXT_FIELDS = ("name", "description", "languages", "hours", "location")
TEXT_FIELDS += ("contact_name", "contact_phone")

MESSAGES = {
    "empty": _("The file holds no service."),
    "file_type": _("This file is neither an Excel workbook (.xlsx) nor a CSV file."),
    "old_excel": _(
        "Old Excel files (.xls) cannot be read: save the file as .xlsx and upload it again."
    ),
    "too_large": _("The file is larger than %(limit)s MB."),
    "too_many_rows": _("The file has more than %(limit)s rows: split it into several files."),
    "no_header": _(
        "No column was recognised: the first row must hold the column headers, "
        "or their HXL hashtags."
    ),
    "missing_column": _("The column “%(column)s” is missing."),
    "duplicate_column": _("The column “%(column)s” appears twice."),
    "ambiguous_column": _("The hashtag %(tag)s could name several columns."),
    "required": _("This cell cannot be empty."),
    "too_long": _("At most %(limit)s characters."),
    "bad_code": _("A code cannot hold control characters."),
    "duplicate_code": _("The code %(code)s is already used on row %(row)s of the file."),
    "unknown_provider": _("No organisation has the acronym “%(value)s”."),
    "inactive_provider": _("%(org)s is no longer active."),
    "not_your_provider": _("You may not change the services of %(org)s."),
    "not_your_service": _(
        "The code %(code)s belongs to a service of %(org)s, which you may not change."
    ),
    "unknown_type": _("Unknown service type “%(value)s”: see the “codes” sheet."),
    "unknown_area": _("Unknown P-code “%(value)s”."),
    "unknown_group": _("Unknown target group “%(value)s”: use women, men, girls or boys."),
    "not_integer": _("“%(value)s” is not a whole number."),
    "age_range": _("An age is a whole number from 0 to 120."),
    "capacity_range": _("The capacity is a whole number, 0 or more."),
    "age_order": _("The minimum age (%(min)s) is above the maximum age (%(max)s)."),
    "email": _("“%(value)s” is not a valid e-mail address."),
    "unknown_status": _("Unknown status “%(value)s”: use active or suspended."),
    "unknown_receiver": _("No user has the username “%(value)s”."),
    "receiver_not_allowed": _("%(user)s cannot receive referrals for %(org)s."),
    "invalid": _("Invalid value: %(detail)s"),
}


# --------------------------------------------------------------------------- errors


@dataclass
class CellError:
    """One problem: where (spreadsheet row, column), what was there, and why (rendered in the
    language active when it is shown)."""

    row: int | None  # None: the whole file
    column: str  # a column key, or the header as written in the file
    value: str
    code: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        text = MESSAGES[self.code]
        return str(text % self.params) if self.params else str(text)

    @property
    def column_label(self) -> str:
        column = BY_KEY.get(self.column)
        return str(column.label) if column else self.column

    def as_list(self) -> list:
        return [self.row, self.column, self.value[:300], self.code, self.params]


class ImportRejected(DomainError):
    """Nothing was imported; `errors` lists every problem."""

    def __init__(self, errors: list[CellError], table: Table | None = None):
        super().__init__(_("Nothing was imported."), code="invalid")
        self.errors = errors
        self.table = table

    def payload(self) -> str:
        return report_payload(self.table, self.errors)


def _file_error(code: str, **params) -> ImportRejected:
    return ImportRejected([CellError(None, "", "", code, params)])


@dataclass
class ImportReport:
    created: int
    updated: int
    unchanged: int
    ignored: list[str]

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


# --------------------------------------------------------------------------- text helpers


def _norm(text) -> str:
    """Case-, accent- and punctuation-insensitive form of a header or a label."""
    text = unicodedata.normalize("NFKD", str(text)).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


_FORMULA_START = ("=", "@", "+", "-")
_PHONE_LIKE = re.compile(r"^[+\-]?[0-9 ().\-/+]*$")


def _csv_safe(value) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _PHONE_LIKE.match(text):
        return "'" + text
    return text


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, dt.datetime | dt.date | dt.time):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_START:
        text = text[1:]
    return text


def _db_text(value) -> str:
    return ("" if value is None else str(value)).replace("\r\n", "\n").replace("\r", "\n").strip()


def _xlsx_text(value):
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


_TAG = re.compile(r"^#([a-z][a-z0-9_]*)((?:\s*\+\s*[a-z][a-z0-9_]*)*)$", re.IGNORECASE)


def parse_tag(text: str):
    """`#org+name +acronym` -> ("org", {"name", "acronym"}); None if not a hashtag."""
    found = _TAG.match(text.strip())
    if not found:
        return None
    attrs = frozenset(a.strip().lower() for a in found.group(2).split("+") if a.strip())
    return found.group(1).lower(), attrs


def _is_tag_row(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return bool(filled) and all(parse_tag(c) for c in filled)


def column_for_tag(tag: str):
    """The column a hashtag names: the most specific spec it satisfies; (None, True) when
    two columns match equally well."""
    parsed = parse_tag(tag)
    if parsed is None:
        return None, False
    hashtag, attrs = parsed
    best, size, tie = None, -1, False
    for column in COLUMNS:
        for spec in column.specs:
            spec_tag, spec_attrs = parse_tag(spec)
            if spec_tag != hashtag or not spec_attrs <= attrs:
                continue
            if len(spec_attrs) > size:
                best, size, tie = column, len(spec_attrs), False
            elif len(spec_attrs) == size and column is not best:
                tie = True
    return (None, True) if tie else (best, False)


def _header_lookup() -> dict[str, Column]:
    """Normalised header -> column, for headers written in French or English."""
    found = {}
    for column in COLUMNS:
        names = [column.key, column.key.replace("_", " ")]
        for language in ("en", "fr"):
            with translation.override(language):
                names.append(str(column.label))
                names.append(str(Service._meta.get_field(column.key).verbose_name))
        for name in names:
            found.setdefault(_norm(name), column)
    return found


def _choice_lookup(choices) -> dict[str, str]:
    """Normalised code, English label and French label -> code."""
    found = {}
    for value, label in choices:
        found[_norm(value)] = value
        for language in ("en", "fr"):
            with translation.override(language):
                found.setdefault(_norm(label), value)
    return found


# --------------------------------------------------------------------------- export


def filtered_services(params):
    """The services to export and the filters applied (provider acronym, service type,
    area P-code: the services serving it, status)."""
    qs = Service.objects.select_related("provider", "receiver").prefetch_related("areas")
    filters = {}
    provider = (params.get("provider") or "").strip()
    if provider:
        qs = qs.filter(provider__acronym__iexact=provider)
        filters["provider"] = provider
    kind = (params.get("type") or params.get("service_type") or "").strip()
    if kind:
        qs = qs.filter(service_type=kind)
        filters["type"] = kind
    pcode = (params.get("area") or "").strip().upper()
    if pcode:
        # A service serves an area when it serves the area or an area containing it.
        prefixes = [pcode[:n] for n in range(1, len(pcode) + 1)]
        qs = qs.filter(areas__pcode__in=prefixes).distinct()
        filters["area"] = pcode
    status = (params.get("status") or "").strip()
    if status:
        qs = qs.filter(status=status)
        filters["status"] = status
    return qs.order_by("provider__acronym", "service_type", "code"), filters


def _values(service) -> list:
    return [
        service.code,
        service.name,
        service.provider.acronym,
        service.service_type,
        service.description,
        ";".join(sorted(a.pcode for a in service.areas.all())),
        ";".join(service.target_groups or []),
        service.min_age,
        service.max_age,
        service.languages,
        service.hours,
        service.location,
        service.contact_name,
        service.contact_phone,
        service.contact_email,
        service.capacity,
        service.status,
        service.receiver.username if service.receiver_id else "",
    ]


def export_hxl_csv(services) -> str:
    """Headers in the active language, then hashtags, then one row per service."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(c.label) for c in COLUMNS])
    writer.writerow([c.tag for c in COLUMNS])
    for service in services:
        writer.writerow([_csv_safe(v) for v in _values(service)])
    return out.getvalue()


def _append(sheet, values) -> None:
    """Add a row after the last one (`sheet.max_row` would scan the whole sheet)."""
    number = getattr(sheet, "_passerelle_rows", 0) + 1
    sheet._passerelle_rows = number
    for index, value in enumerate(values, start=1):
        cell = sheet.cell(row=number, column=index, value=_xlsx_text(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"  # text, never a formula


def _header(sheet, values, widths=None) -> None:
    _append(sheet, values)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = width


def _codes_sheet(book) -> None:
    sheet = book.create_sheet(CODES_SHEET)
    _header(
        sheet,
        [str(_("List")), str(_("Code")), str(_("French")), str(_("English"))],
        [24, 32, 44, 44],
    )
    lists = [
        (_("Service type"), ServiceType.choices),
        (_("Target groups"), TargetGroup.choices),
        (_("Status"), Service.Status.choices),
    ]
    for title, choices in lists:
        for value, label in choices:
            with translation.override("fr"):
                french = str(label)
            with translation.override("en"):
                english = str(label)
            _append(sheet, [str(title), value, french, english])
    for org in Organisation.objects.filter(active=True).order_by("acronym"):
        _append(sheet, [str(_("Provider (acronym)")), org.acronym, org.name, org.name])


def export_xlsx(services) -> bytes:
    """The services sheet (headers in the active language) and the "codes" sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    _header(sheet, [str(c.label) for c in COLUMNS], [18, 36, 12, 28, 40, 24, 20])
    for service in services:
        _append(sheet, _values(service))
    _codes_sheet(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- reading


@dataclass
class Table:
    format: str  # "xlsx" or "csv"
    header: list[str]  # header cells ("" for a file with hashtags only)
    tags: list[str] | None  # the HXL row, if any
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells)
    columns: dict[int, str] = field(default_factory=dict)  # cell index -> column key
    ignored: list[str] = field(default_factory=list)


def _xlsx_rows(data: bytes):
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a zip that is not a workbook, a damaged workbook
        raise _file_error("file_type") from exc
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        for number, values in enumerate(
            sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1
        ):
            if number > MAX_SCAN:
                break
            yield number, [_cell_text(v) for v in values]
    except ImportRejected:
        raise
    except Exception as exc:
        raise _file_error("file_type") from exc
    finally:
        book.close()


_NOT_TEXT = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"{\\rtf", b"\x1f\x8b")


def _decode(data: bytes) -> str:
    """The text of a CSV file; ImportRejected for what is plainly not text."""
    if b"\x00" in data or data.startswith(_NOT_TEXT):
        raise _file_error("file_type")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        head = text[:8192]
        controls = sum(1 for c in head if unicodedata.category(c) == "Cc" and c not in "\t\n\r")
        if controls * 200 > len(head):  # more than 0.5 % control characters: binary
            raise _file_error("file_type")
        return text
    raise _file_error("file_type")


def _csv_rows(data: bytes):
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            if number > MAX_SCAN:
                break
            yield number, [_cell_text(c) for c in cells[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise _file_error("file_type") from exc


def read_table(data: bytes, filename: str = "") -> Table:
    """Read an uploaded file (XLSX or CSV, told apart by content) into a Table; raise
    ImportRejected for an empty, unreadable, too large or too long file, or bad headers."""
    if len(data) > MAX_BYTES:
        raise _file_error("too_large", limit=MAX_BYTES // (1024 * 1024))
    if not data.strip():
        raise _file_error("empty")
    if data[:4] == b"PK\x03\x04":
        kind, rows = "xlsx", _xlsx_rows(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _file_error("old_excel")
    elif filename.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods", ".zip")):
        raise _file_error("file_type")
    else:
        kind, rows = "csv", _csv_rows(data)
    filled = []
    for number, cells in rows:
        if any(cells):
            filled.append((number, cells))
            if len(filled) > MAX_ROWS + HEADER_SCAN:
                raise _file_error("too_many_rows", limit=MAX_ROWS)
    if not filled:
        raise _file_error("empty")
    return _table(kind, filled)


def _table(kind: str, filled: list[tuple[int, list[str]]]) -> Table:
    tag_at = next((i for i, (_n, c) in enumerate(filled[:HEADER_SCAN]) if _is_tag_row(c)), None)
    if tag_at is None:
        header, tags, rows = filled[0][1], None, filled[1:]
    else:
        header = filled[tag_at - 1][1] if tag_at > 0 else []
        tags, rows = filled[tag_at][1], filled[tag_at + 1 :]
    table = Table(kind, header, tags, rows)
    if len(rows) > MAX_ROWS:
        raise _file_error("too_many_rows", limit=MAX_ROWS)
    errors = _resolve_columns(table)
    if errors:
        raise ImportRejected(errors, table)
    if not rows:
        raise ImportRejected([CellError(None, "", "", "empty", {})], table)
    return table


def _resolve_columns(table: Table) -> list[CellError]:
    lookup = _header_lookup()
    tags = table.tags or []
    errors, seen = [], {}
    for index in range(max(len(table.header), len(tags))):
        head = table.header[index] if index < len(table.header) else ""
        tag = tags[index] if index < len(tags) else ""
        column, ambiguous = column_for_tag(tag) if tag else (None, False)
        if column is None and head:
            column = lookup.get(_norm(head))
        if column is None:
            if ambiguous:
                errors.append(CellError(None, head or tag, tag, "ambiguous_column", {"tag": tag}))
            elif head or tag:
                table.ignored.append(head or tag)
            continue
        if column.key in seen:
            errors.append(
                CellError(
                    None, column.key, head or tag, "duplicate_column", {"column": column.label}
                )
            )
            continue
        seen[column.key] = index
        table.columns[index] = column.key
    if not seen:
        return [CellError(None, "", "", "no_header", {})]
    for column in COLUMNS:
        if column.required and column.key not in seen:
            errors.append(
                CellError(None, column.key, "", "missing_column", {"column": column.label})
            )
    return errors


# --------------------------------------------------------------------------- validation


class _Bad(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class _Plan:
    row: int
    code: str
    existing: Service | None
    values: dict
    areas: list


class _Context:
    """Everything the rows are checked against, loaded once."""

    def __init__(self, actor, table: Table):
        index = {key: i for i, key in table.columns.items()}

        def cells_of(key):
            i = index.get(key)
            return {c[i].strip() for _n, c in table.rows if i is not None and i < len(c)}

        self.manage_all = policy.can(actor, "servicemap.manage")
        self.mine = {o.pk for o in policy.organisations(actor, "service.manage")}
        self.orgs = {}
        for org in Organisation.objects.all():
            self.orgs.setdefault(org.acronym.casefold(), org)
            self.orgs[org.acronym] = org
        self.areas = {a.pcode.upper(): a for a in Area.objects.all()}
        self.existing = {
            s.code: s
            for s in Service.objects.filter(code__in=cells_of("code"))
            .select_related("provider", "receiver")
            .prefetch_related("areas")
        }
        self.users = {u.username: u for u in User.objects.filter(username__in=cells_of("receiver"))}
        receivers = {u.pk for u in self.users.values()}
        receivers |= {s.receiver_id for s in self.existing.values() if s.receiver_id}
        self.receives = {}  # user id -> organisation ids for which they answer referrals
        for m in Membership.objects.filter(user_id__in=receivers, active=True):
            if "referral.respond" in ROLES[m.role].actions:
                self.receives.setdefault(m.user_id, set()).add(m.organisation_id)
        self.types = _choice_lookup(ServiceType.choices)
        self.groups = _choice_lookup(TargetGroup.choices)
        self.statuses = _choice_lookup(Service.Status.choices)


def _limit(key: str) -> int | None:
    return Service._meta.get_field(key).max_length


def _integer(text: str) -> int:
    if not re.fullmatch(r"[+-]?\d{1,12}(\.0*)?", text):
        raise _Bad("not_integer", value=text)
    return int(text.split(".")[0])


def _split(text: str, pattern=r"[;,\n]+") -> list[str]:
    return [part.strip() for part in re.split(pattern, text) if part.strip()]


def _parse(ctx: _Context, key: str, text: str):
    """The model value of one cell, or _Bad."""
    if key == "code":
        if not text.isprintable():
            raise _Bad("bad_code")
        if len(text) > _limit("code"):
            raise _Bad("too_long", limit=_limit("code"))
        return text
    if key in TEXT_FIELDS:
        limit = _limit(key)
        if limit and len(text) > limit:
            raise _Bad("too_long", limit=limit)
        return text
    if key == "provider":
        org = ctx.orgs.get(text) or ctx.orgs.get(text.casefold())
        if org is None:
            raise _Bad("unknown_provider", value=text)
        if not org.active:
            raise _Bad("inactive_provider", org=org.acronym)
        return org
    if key == "service_type":
        if _norm(text) not in ctx.types:
            raise _Bad("unknown_type", value=text)
        return ctx.types[_norm(text)]
    if key == "areas":
        codes = list(dict.fromkeys(p.upper() for p in _split(text, r"[;,\s]+")))
        unknown = [p for p in codes if p not in ctx.areas]
        if unknown:
            raise _Bad("unknown_area", value="; ".join(unknown))
        if not codes:
            raise _Bad("required")
        return [ctx.areas[p] for p in codes]
    if key == "target_groups":
        parts = _split(text)
        unknown = [p for p in parts if _norm(p) not in ctx.groups]
        if unknown:
            raise _Bad("unknown_group", value="; ".join(unknown))
        if not parts:
            raise _Bad("required")
        return list(dict.fromkeys(ctx.groups[_norm(p)] for p in parts))
    if key in ("min_age", "max_age"):
        if not text:
            return None
        age = _integer(text)
        if not 0 <= age <= MAX_AGE:
            raise _Bad("age_range")
        return age
    if key == "capacity":
        if not text:
            return None
        number = _integer(text)
        if not 0 <= number <= MAX_CAPACITY:
            raise _Bad("capacity_range")
        return number
    if key == "contact_email":
        if text:
            try:
                validate_email(text)
            except ValidationError as exc:
                raise _Bad("email", value=text) from exc
        return text
    if key == "status":
        if not text:
            return Service.Status.ACTIVE
        if _norm(text) not in ctx.statuses:
            raise _Bad("unknown_status", value=text)
        return ctx.statuses[_norm(text)]
    if key == "receiver":
        if not text:
            return None
        user = ctx.users.get(text)
        if user is None:
            raise _Bad("unknown_receiver", value=text)
        return user
    raise AssertionError(key)  # pragma: no cover


def _check_row(ctx: _Context, table: Table, number: int, cells: list[str]):
    """Check one row: (the plan, or None, and the row's problems)."""
    values, problems, texts = {}, [], {}
    for index, key in table.columns.items():
        text = texts[key] = cells[index].strip() if index < len(cells) else ""
        if not text and BY_KEY[key].required:
            problems.append(CellError(number, key, text, "required"))
            continue
        try:
            values[key] = _parse(ctx, key, text)
        except _Bad as bad:
            problems.append(CellError(number, key, text, bad.code, bad.params))
    existing = ctx.existing.get(values.get("code"))

    def now(key):  # the value the service will have: from the file, or as it is
        if key in texts or existing is None:
            return values.get(key)
        return getattr(existing, key)

    low, high = now("min_age"), now("max_age")
    if low is not None and high is not None and low > high:
        where = "max_age" if "max_age" in texts else "min_age"
        params = {"min": low, "max": high}
        problems.append(CellError(number, where, texts.get(where, ""), "age_order", params))
    provider, receiver = values.get("provider"), now("receiver")
    if provider is not None and receiver is not None:
        if not receiver.is_active or provider.pk not in ctx.receives.get(receiver.pk, ()):
            where = "receiver" if "receiver" in texts else "provider"
            params = {"user": receiver.username, "org": provider.acronym}
            problems.append(
                CellError(number, where, texts.get(where, ""), "receiver_not_allowed", params)
            )
    if provider is not None and not ctx.manage_all and provider.pk not in ctx.mine:
        params = {"org": provider.acronym}
        problems.append(
            CellError(number, "provider", texts["provider"], "not_your_provider", params)
        )
    if existing is not None and not ctx.manage_all and existing.provider_id not in ctx.mine:
        params = {"code": existing.code, "org": existing.provider.acronym}
        problems.append(CellError(number, "code", existing.code, "not_your_service", params))
    if not problems:
        problems = _model_check(number, existing, values)
    if problems:
        return None, problems
    code, areas = values.pop("code"), values.pop("areas")
    return _Plan(number, code, existing, values, areas), []


def _model_check(number: int, existing, values: dict) -> list[CellError]:
    """The model's own field validation, as a last safety net."""
    merged = {}
    if existing is not None:
        merged = {k: getattr(existing, k) for k in BY_KEY if k not in ("provider", "receiver")}
        merged.pop("areas", None)
    merged.update({k: v for k, v in values.items() if k not in ("areas", "provider", "receiver")})
    merged.pop("code", None)
    candidate = Service(code=values.get("code") or "", **merged)
    try:
        candidate.clean_fields(exclude=["provider", "receiver"])
    except ValidationError as exc:
        return [
            CellError(
                number,
                key,
                "",
                "invalid",
                {"detail": " ".join(str(m) for m in messages)},
            )
            for key, messages in exc.message_dict.items()
        ]
    return []


def validate(actor, table: Table) -> tuple[list[_Plan], list[CellError]]:
    """Check every cell of every row; return the plan and every problem found."""
    ctx = _Context(actor, table)
    index = next(i for i, key in table.columns.items() if key == "code")
    plans, errors, first_row = [], [], {}
    for number, cells in table.rows:
        plan, problems = _check_row(ctx, table, number, cells)
        errors.extend(problems)
        code = cells[index].strip() if index < len(cells) else ""
        if code and code in first_row:
            params = {"code": code, "row": first_row[code]}
            errors.append(CellError(number, "code", code, "duplicate_code", params))
        elif code:
            first_row[code] = number
            if plan is not None:
                plans.append(plan)
    return plans, errors


# --------------------------------------------------------------------------- applying


def _changes(service: Service, values: dict) -> dict:
    changed = {}
    for key, new in values.items():
        if key in ("provider", "receiver"):
            same = getattr(service, f"{key}_id") == (new.pk if new is not None else None)
        elif key == "target_groups":
            same = set(service.target_groups or []) == set(new)
        elif isinstance(new, str):
            same = _db_text(getattr(service, key)) == new
        else:
            same = getattr(service, key) == new
        if not same:
            changed[key] = new
    return changed


@audit.service
def import_services(actor, table: Table) -> ImportReport:
    """Apply a table of services, all rows or none (see the module's docstring)."""
    plans, errors = validate(actor, table)
    if errors:
        if any(e.code in ("not_your_provider", "not_your_service") for e in errors):
            policy.audit_refusal(actor, "service.manage", reason="import of other providers")
        audit.record_refusal(
            actor,
            "service.import",
            outcome="invalid",
            level=1,
            detail={"rows": len(table.rows), "errors": len(errors), "format": table.format},
        )
        raise ImportRejected(errors, table)
    created, updated = [], []
    for plan in plans:
        if plan.existing is None:
            service = Service(code=plan.code, **plan.values)
            service.save()
            service.areas.set(plan.areas)
            created.append(plan.code)
            continue
        service = plan.existing
        changed = _changes(service, plan.values)
        areas_changed = {a.pk for a in service.areas.all()} != {a.pk for a in plan.areas}
        if not changed and not areas_changed:
            continue
        for key, value in changed.items():
            setattr(service, key, value)
        service.save()
        if areas_changed:
            service.areas.set(plan.areas)
        updated.append(plan.code)
    report = ImportReport(len(created), len(updated), len(plans) - len(created) - len(updated), [])
    report.ignored = list(table.ignored)
    providers = {plan.values["provider"] for plan in plans}
    audit.record(
        actor,
        "service.import",
        organisation=providers.pop() if len(providers) == 1 else None,
        level=1,
        detail={
            "format": table.format,
            "rows": len(plans),
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "codes_created": created[:200],
            "codes_updated": updated[:200],
        },
    )
    return report


def import_file(actor, data: bytes, filename: str = "") -> ImportReport:
    """Read and apply an uploaded file; raise ImportRejected (audited) on any problem."""
    try:
        table = read_table(data, filename)
    except ImportRejected as exc:
        audit.record(
            actor,
            "service.import",
            outcome="invalid",
            level=1,
            detail={"errors": len(exc.errors), "problem": exc.errors[0].code},
        )
        raise
    return import_services(actor, table)


def may_import(user) -> bool:
    return policy.can(user, "service.manage") or policy.can(user, "servicemap.manage")


# --------------------------------------------------------------------------- error report


def report_payload(table: Table | None, errors: list[CellError]) -> str:
    """What the error report needs, compressed for the session: the submitted rows (service
    directory data, never case data) and the problems. Only failing rows are kept when the
    whole file would be too large."""
    failing = {e.row for e in errors}
    data = {
        "header": list(table.header) if table else [],
        "tags": list(table.tags) if table and table.tags else None,
        "rows": [[n, c] for n, c in table.rows] if table else [],
        "errors": [e.as_list() for e in errors],
    }
    packed = zlib.compress(json.dumps(data, default=str).encode(), 6)
    if len(packed) > MAX_REPORT_BYTES:
        data["rows"] = [[n, c] for n, c in data["rows"] if n in failing]
        packed = zlib.compress(json.dumps(data, default=str).encode(), 6)
    if len(packed) > MAX_REPORT_BYTES:
        data["rows"], data["errors"] = [], data["errors"][:5000]
        packed = zlib.compress(json.dumps(data, default=str).encode(), 6)
    return base64.b64encode(packed).decode("ascii")


def error_report_xlsx(payload: str) -> bytes:
    """The submitted rows with an "errors" column, and every problem on a second sheet, in
    the active language. Fixed in place, the first sheet can be uploaded again."""
    data = json.loads(zlib.decompress(base64.b64decode(payload)))
    errors = [CellError(*item) for item in data["errors"]]
    by_row = {}
    for error in errors:
        by_row.setdefault(error.row, []).append(error)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = str(_("rows"))[:31]
    width = max([len(data["header"]), len(data["tags"] or [])] + [len(c) for _n, c in data["rows"]])
    header = data["header"] + [""] * (width - len(data["header"]))
    _header(sheet, [str(_("Row")), *header, str(_("Errors"))], [8])
    if data["tags"]:
        _append(sheet, ["", *data["tags"], *[""] * (width - len(data["tags"]))])
    for number, cells in data["rows"]:
        problems = "\n".join(f"{e.column_label}: {e.message}" for e in by_row.get(number, []))
        _append(sheet, [number, *cells, *[""] * (width - len(cells)), problems])
    listing = book.create_sheet(str(_("errors"))[:31])
    _header(
        listing,
        [str(_("Row")), str(_("Column")), str(_("Value")), str(_("Problem"))],
        [8, 28, 30, 80],
    )
    for error in errors:
        _append(listing, [error.row or "", error.column_label, error.value, error.message])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_errors(payload: str) -> list[CellError]:
    data = json.loads(zlib.decompress(base64.b64decode(payload)))
    return [CellError(*item) for item in data["errors"]]
