"""The example a newcomer imports: the protection-monitoring XLSForm of the tests (French and
English labels, groups, a repeat of victims, region → cercle cascade, select_multiple needs)
and a KoboToolbox-shaped export of fictitious interviews with it.

Both come from the fixtures the readers are tested with (passerelle/xlsforms/tests/forms.py
and exports.py), so the example is always one the import reads. The interviews are moved in
time so that they end a week before today (an incident is never dated in the future), and
every file is written through core.exports (no cell a spreadsheet would run as a formula).
Nothing in them is about a real person.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.utils import timezone

from passerelle.core import exports, spreadsheets

FORM_NAME = "passerelle-example-protection-monitoring-form.xlsx"
EXPORT_NAME = "passerelle-example-submissions.{fmt}"
SUBMISSIONS = 24
# The example's own fictitious people (the fixtures' names are the tests' own): name,
# father's name, mother's name, and the sex the name goes with.
PEOPLE = [
    ("Nènè Kanouté", "Bakary Kanouté", "Sira Dembélé", "f"),
    ("Soumaïla Bagayoko", "Adama Bagayoko", "Rokia Diallo", "m"),
    ("Fanta Samaké", "Lassine Samaké", "Maïmouna Konaté", "f"),
    ("Yacouba Tounkara", "Sidi Tounkara", "Hawa Sissoko", "m"),
    ("Djénéba Fofana", "Mamadou Fofana", "Assitan Koné", "f"),
]
DATE_PATHS = ("today", "incident/date_incident", "incident/date_signalement")
MOMENT_PATHS = ("start", "end")


def form_bytes() -> bytes:
    from passerelle.xlsforms.tests.forms import protection_monitoring_form

    return _through_exports(protection_monitoring_form())


def submissions(today: dt.date | None = None) -> list[dict]:
    """The example's interviews, dated up to a week before `today`."""
    from passerelle.xlsforms.tests.exports import pm_submissions

    today = today or timezone.localdate()
    subs = pm_submissions(SUBMISSIONS)
    latest = max(dt.date.fromisoformat(s["values"]["incident/date_signalement"]) for s in subs)
    shift = (today - dt.timedelta(days=7)) - latest
    for sub in subs:
        values = sub["values"]
        for path in DATE_PATHS:
            if values.get(path):
                values[path] = (dt.date.fromisoformat(values[path]) + shift).isoformat()
        for path in MOMENT_PATHS:
            if values.get(path):
                day, rest = values[path].split("T", 1)
                values[path] = f"{(dt.date.fromisoformat(day) + shift).isoformat()}T{rest}"
        if values.get("incident/mois_incident"):
            values["incident/mois_incident"] = values["incident/date_incident"][:7]
        # Sent the evening of the interview (the fixtures' submission times are weeks after
        # their interviews: shifted with them they would lie in the future).
        interviewed = dt.date.fromisoformat(values["incident/date_signalement"])
        sub["submitted"] = dt.datetime.combine(
            interviewed, dt.time(18, 0), tzinfo=dt.UTC
        ) + dt.timedelta(minutes=subs.index(sub))
        for number, victim in enumerate(sub["victimes"]):
            name, father, mother = _person(subs.index(sub) + number, victim.get("victimes/sexe"))
            victim["victimes/nom"] = name
            victim["victimes/nom_pere"] = father
            victim["victimes/nom_mere"] = mother
        for key, value in list(values.items()):  # nothing a spreadsheet would run
            if isinstance(value, str) and exports.is_risky(value):
                values[key] = ""
    return subs


def _person(start: int, sex: str | None) -> tuple[str, str, str]:
    """The first of PEOPLE from `start` (round the list) whose name goes with `sex` (a woman's
    name for a victim recorded as a man reads as a mistake in the preview)."""
    for step in range(len(PEOPLE)):
        name, father, mother, usual = PEOPLE[(start + step) % len(PEOPLE)]
        if sex not in ("f", "m") or usual == sex:
            return name, father, mother
    return PEOPLE[start % len(PEOPLE)][:3]


def export_bytes(fmt: str, today: dt.date | None = None) -> bytes:
    """The export as KoboToolbox gives it: "xlsx" (with the victims' sheet) or "csv"
    (semicolons, group names joined by "/"; Kobo's CSV has no repeat groups)."""
    from passerelle.xlsforms.tests import exports as shapes

    subs = submissions(today)
    if fmt == "xlsx":
        return _through_exports(shapes.kobo_xlsx(subs))
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(shapes.kobo_csv(subs).decode("utf-8")), delimiter=";"))
        out = io.StringIO(newline="")
        exports.csv_writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
        return out.getvalue().encode("utf-8")
    raise ValueError(fmt)


def export_name(fmt: str) -> str:
    return EXPORT_NAME.format(fmt=fmt)


def _through_exports(data: bytes) -> bytes:
    book = spreadsheets.open_workbook(data, read_only=False)
    return exports.xlsx_bytes(book)
