"""Properties of the submission readers: any text cell comes back as written whatever the
encoding and separator; no input crashes them (a file is read or refused with a reason; a
date is read or is a row error)."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passerelle.core.exports import csv_writer
from passerelle.xlsforms.submissions import (
    FormView,
    Question,
    ReadResult,
    Submission,
    SubmissionsRefused,
    excel_serial,
    parse_date,
    parse_datetime,
    read_submissions,
    to_incidents,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any character a cell may hold: no control characters (a text export holds none but tab and
# line breaks inside a quoted cell) and no surrogates.
cell_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff")
    | st.sampled_from(["\t", "\n", '"', ";", ",", "'", "=", "-", "@", "+"]),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() and t == t.strip("\r\n"))

# French text Windows-1252 can hold and that is never valid UTF-8 by chance (accented letters
# are all lead bytes, never continuation bytes).
french_text = st.text(
    st.sampled_from(list("abcdeéèêëàâçîïôùûüÉÈÀÇ ’'-.,;0123456789AZ")), min_size=1, max_size=30
).filter(lambda t: t.strip())


def _csv(cells: list[str], delimiter: str, encoding: str) -> bytes:
    out = io.StringIO(newline="")
    writer = csv_writer(out, delimiter=delimiter)
    writer.writerow(["_uuid", "note", "_submission_time"])
    for n, cell in enumerate(cells):
        writer.writerow([f"k{n}", cell, f"2026-01-{n % 28 + 1:02d}T10:00:00"])
    return out.getvalue().encode(encoding)


@SETTINGS
@given(
    cells=st.lists(cell_text, min_size=1, max_size=5),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le"]),
)
def test_any_text_cell_round_trips_through_encodings_and_separators(cells, delimiter, encoding):
    result = read_submissions(_csv(cells, delimiter, encoding))
    assert result.delimiter == delimiter
    assert [s.values["note"] for s in result.submissions] == cells


@SETTINGS
@given(
    cells=st.lists(french_text, min_size=1, max_size=5),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_latin1_french_text_round_trips(cells, delimiter):
    result = read_submissions(_csv(cells, delimiter, "cp1252"))
    assert [s.values["note"] for s in result.submissions] == cells
    if any(ord(c) > 127 for c in "".join(cells)):
        assert result.encoding == "cp1252" and result.notes


prefixes = st.sampled_from(
    [b"", b"PK\x03\x04", b"{", b"[", b"\xef\xbb\xbf", b"\xff\xfe", b"_uuid;a\n", b"_uuid,b/c\n"]
)


@SETTINGS
@given(prefix=prefixes, body=st.binary(max_size=300))
def test_no_bytes_crash_the_reader(prefix, body):
    try:
        result = read_submissions(prefix + body)
    except SubmissionsRefused as refused:
        assert refused.reason and str(refused)
    else:
        assert isinstance(result, ReadResult)
        for error in result.errors:
            assert error.row >= 1 and error.column


@SETTINGS
@given(text=st.text(max_size=80))
def test_no_text_crashes_the_csv_reader(text):
    try:
        read_submissions(("_uuid;q/a;_submission_time\n" + text).encode("utf-8", "surrogatepass"))
    except SubmissionsRefused as refused:
        assert refused.reason
    except UnicodeError:
        pass  # surrogates cannot be encoded in the first place


date_texts = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\A\d{1,4}[/.\-]\d{1,4}[/.\-]\d{1,5}\Z"),
    st.from_regex(r"\A\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?)?\Z"),
    st.from_regex(r"\A\d{1,7}([.,]\d{1,4})?\Z"),
)


@SETTINGS
@given(text=date_texts)
def test_random_date_strings_parse_or_raise_value_error(text):
    try:
        day = parse_date(text)
    except ValueError:
        pass
    else:
        assert 1900 <= day.year <= 2100
    try:
        moment = parse_datetime(text)
    except ValueError:
        pass
    else:
        assert moment.tzinfo is not None


@SETTINGS
@given(number=st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True)))
def test_random_numbers_as_dates_parse_or_raise_value_error(number):
    for parse in (parse_date, parse_datetime):
        try:
            parse(number)
        except (ValueError, OverflowError):
            pass


@SETTINGS
@given(day=st.dates(min_value=dt.date(1927, 6, 1), max_value=dt.date(2100, 12, 31)))
def test_a_day_reads_back_from_every_written_form(day):
    serial = (day - dt.date(1899, 12, 30)).days
    assert excel_serial(serial) == day
    for written in (
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        day.strftime("%d-%m-%Y"),
        f"{day.isoformat()}T12:30:00.000+02:00",
        str(serial),
        serial,
        float(serial) + 0.25,
        dt.datetime(day.year, day.month, day.day, 8),
    ):
        assert parse_date(written) == day


FORM = FormView(
    questions={
        "d": Question(path="d", name="d", type="date"),
        "c": Question(path="c", name="c", type="select_one", choices={"a": {}, "b": {}}),
        "g": Question(path="g", name="g", type="geopoint"),
    },
    repeats=set(),
)
MAPPING = {
    "occurred_on": {"question": "d"},
    "category": {"question": "c", "choices": {"a": "pm.gbv"}},
    "coordinates": {"question": "g"},
}
answers = st.one_of(st.none(), st.text(max_size=20), st.integers(), st.floats(), st.booleans())


@SETTINGS
@given(d=answers, c=answers, g=answers)
def test_any_answers_become_a_row_or_row_errors_naming_the_row(d, c, g):
    values = {k: v for k, v in {"d": d, "c": c, "g": g}.items() if v is not None}
    submission = Submission(row=7, key="k", values=values, columns={k: k for k in values})
    rows, errors = to_incidents(FORM, MAPPING, [submission])
    assert len(rows) + bool(errors) == 1
    for error in errors:
        assert error.row == 7 and error.column in values
        assert "Row 7" in str(error.message) or "Ligne 7" in str(error.message)
    if rows:
        assert set(rows[0].values) <= {"occurred_on", "category", "latitude", "longitude"}


def test_text_normalisation_does_not_change_what_is_read():
    decomposed = unicodedata.normalize("NFD", "Ségou")
    result = read_submissions(_csv([decomposed], ";", "utf-8"))
    assert result.submissions[0].values["note"] == decomposed  # kept exactly as written
