"""Kobo- and ODK-shaped exports of submissions to the protection-monitoring test form
(`forms.protection_monitoring_form()`, id "pm_mali_2026", version "2026.11").

Other test packages (import pages, pulls, the demo) use them: keep names stable.

pm_submissions(count=4)  the submissions as plain data: [{"uuid", "submitted" (aware
    datetime), "values": {path: answer}, "victimes": [{path: answer}, ...]}]; fictitious
    people, cercles by P-code, deterministic. PM_MAPPING: TUNING_TRUTH as a saved mapping.
kobo_csv(subs, separator="/", delimiter=";", groups=True, encoding="utf-8", multiple="both",
    labels=None)  Kobo's CSV ("XML values and headers"; `labels="fr"` for labels);
    repeat groups are not in Kobo's CSV (use the XLSX).
kobo_xlsx(subs)  Kobo's XLSX: the main sheet and a "victimes" sheet linked by _index /
    _parent_index / _submission__uuid.
kobo_json(subs)  the Kobo API v2's `assets/<uid>/data` page ({"count", "next", "results"}).
odk_json(subs)  ODK Central's OData (`Submissions?$expand=*`): nested groups, __id, __system.
odk_csv_zip(subs)  ODK Central's "CSV files" zip: the form's CSV and pm_mali_2026-victimes.csv
    (group names joined by "-", KEY / PARENT_KEY).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

import openpyxl

from passerelle.core.exports import append

from .forms import TUNING_TRUTH

FORM_ID = "pm_mali_2026"
FORM_VERSION = "2026.11"
KOBO_VERSION = "vQb7m2Lr9XkA4cDsE8tYwz"

MAIN = [
    "start",
    "end",
    "today",
    "incident/date_incident",
    "incident/date_signalement",
    "incident/region",
    "incident/cercle",
    "incident/localite",
    "incident/gps",
    "incident/type_incident",
    "incident/auteur",
    "incident/source_info",
    "incident/fiabilite",
    "incident/description",
    "incident/nb_victimes",
    "incident/mois_incident",
    "suivi/commentaires",
]
VICTIM = [
    "victimes/nom",
    "victimes/nom_pere",
    "victimes/nom_mere",
    "victimes/sexe",
    "victimes/age",
    "victimes/statut_deplacement",
    "victimes/handicap",
    "victimes/telephone",
    "victimes/consentement_partage",
    "victimes/consentement_referencement",
    "victimes/besoins",
    "victimes/age_calc",
]
NEEDS = [
    "medical",
    "psychosocial",
    "juridique",
    "securite",
    "abri",
    "moyens_subsistance",
    "documentation",
    "rec_familiale",
    "education",
    "vivres",
    "cash",
]
PLACES = [
    ("kayes", "ML0101", "14.0167 -10.7667 120 5"),
    ("segou", "ML0401", "13.4317 -6.2157 290 4.5"),
    ("mopti", "ML0501", "14.4843 -4.1827 270 8"),
    ("tombouctou", "ML0601", "16.7666 -3.0026 260 12"),
]
KINDS = ["enlevement", "pillage", "vbg", "meurtre", "detention_arbitraire", "deplacement_force"]
AUTHORS = ["gana", "bandits", "inconnu", "milice", "fama"]
NAMES = [
    ("Aminata Diarra", "Moussa Diarra", "Fatoumata Coulibaly", "f", 27),
    ("Boubacar Traoré", "Seydou Traoré", "Kadiatou Keïta", "m", 14),
    ("Mariam Sidibé", "Oumar Sidibé", "Awa Sangaré", "f", 41),
    ("Ibrahim Maïga", "Hamadoun Maïga", "Aïssata Cissé", "m", 9),
]


def pm_submissions(count: int = 4) -> list[dict]:
    """`count` submissions: submission i has i % 4 victims (0 to 3), a cercle of a region."""
    out = []
    for i in range(count):
        region, cercle, gps = PLACES[i % len(PLACES)]
        day = dt.date(2026, 9, 1) + dt.timedelta(days=i % 60)
        submitted = dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC) + dt.timedelta(minutes=7 * i)
        victims = []
        for v in range(i % 4):
            name, father, mother, sex, age = NAMES[(i + v) % len(NAMES)]
            victims.append(
                {
                    "victimes/nom": name,
                    "victimes/nom_pere": father,
                    "victimes/nom_mere": mother,
                    "victimes/sexe": sex,
                    "victimes/age": age,
                    "victimes/statut_deplacement": ["pdi", "resident", "refugie"][v % 3],
                    "victimes/handicap": "non",
                    "victimes/telephone": f"7{i % 10}{v}12345{v}",
                    "victimes/consentement_partage": "oui" if (i + v) % 3 else "non",
                    "victimes/consentement_referencement": "oui",
                    "victimes/besoins": " ".join(NEEDS[(i + v) % 11 : (i + v) % 11 + 2]),
                    "victimes/age_calc": "enfant" if age < 18 else "adulte",
                }
            )
        values = {
            "start": f"{day.isoformat()}T09:00:00.000+00:00",
            "end": f"{day.isoformat()}T09:40:00.000+00:00",
            "today": day.isoformat(),
            "incident/date_incident": (day - dt.timedelta(days=3)).isoformat(),
            "incident/date_signalement": day.isoformat(),
            "incident/region": region,
            "incident/cercle": cercle,
            "incident/localite": f"Quartier {i % 7 + 1}",
            "incident/gps": gps,
            "incident/type_incident": KINDS[i % len(KINDS)],
            "incident/auteur": AUTHORS[i % len(AUTHORS)],
            "incident/source_info": "temoin",
            "incident/fiabilite": "probablement_fiable",
            "incident/description": f"Récit n° {i + 1}: « des hommes armés », selon un témoin.",
            "incident/nb_victimes": len(victims),
            "incident/mois_incident": day.strftime("%Y-%m"),
            "suivi/commentaires": "=SUM(A1:A2) (texte saisi)" if i == 1 else "",
        }
        out.append(
            {
                "uuid": f"6f1c2a3e-0000-4000-8000-{i:012d}",
                "submitted": submitted,
                "values": values,
                "victimes": victims,
            }
        )
    return out


PM_MAPPING = {
    target: {
        **spec,
        **(
            {
                "choices": {
                    choice: (code[0] if isinstance(code, tuple) else code)
                    for choice, code in spec["choices"].items()
                }
            }
            if "choices" in spec
            else {}
        ),
    }
    for target, spec in TUNING_TRUTH.items()
}


def _kobo_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _header(path: str, separator: str, groups: bool) -> str:
    parts = path.split("/")
    return separator.join(parts) if groups else parts[-1]


def _labels(path: str, language: str) -> str:
    """The question's label as Kobo writes a labels export (group label/question label)."""
    from passerelle.xlsforms.forms import read_form

    from .forms import protection_monitoring_form

    global _FORM
    if _FORM is None:
        _FORM = read_form(protection_monitoring_form())
    question = _FORM.question(path)
    parts = []
    group = _FORM.question(question.group) if question.group else None
    while group is not None:
        parts.insert(0, _FORM.label(group, language))
        group = _FORM.question(group.group) if group.group else None
    return "/".join([*parts, _FORM.label(question, language)])


_FORM = None


def kobo_csv(
    submissions: list[dict],
    *,
    separator: str = "/",
    delimiter: str = ";",
    groups: bool = True,
    encoding: str = "utf-8",
    multiple: str = "both",
    labels: str | None = None,
    victim_columns: bool = False,
) -> bytes:
    """Kobo's CSV export. `multiple`: "both" (the answer and one 0/1 column per choice, as
    Kobo does), "space" (the answer only) or "columns" (the 0/1 columns only).
    `victim_columns`: the first victim's answers as columns of the row (one victim per row
    layout of hand-made sheets)."""
    paths = MAIN + (VICTIM if victim_columns else [])
    header, rows = [], [[] for _ in submissions]
    for path in paths:
        name = _labels(path, labels) if labels else _header(path, separator, groups)
        is_multiple = path.endswith("/besoins")
        if not is_multiple or multiple != "columns":
            header.append(name)
            for row, sub in zip(rows, submissions, strict=True):
                row.append(_answer(sub, path))
        if path == "incident/gps":
            for part in ("latitude", "longitude", "altitude", "precision"):
                header.append(f"_{_header(path, separator, groups)}_{part}")
                for row, sub in zip(rows, submissions, strict=True):
                    point = str(_answer(sub, path)).split()
                    row.append(
                        point[["latitude", "longitude", "altitude", "precision"].index(part)]
                        if point
                        else ""
                    )
        if is_multiple and multiple in ("both", "columns"):
            for need in NEEDS:
                header.append(f"{name}{separator if not labels else '/'}{need}")
                for row, sub in zip(rows, submissions, strict=True):
                    chosen = str(_answer(sub, path)).split()
                    row.append(("1" if need in chosen else "0") if _answer(sub, path) != "" else "")
    meta = ["_id", "_uuid", "_submission_time", "_validation_status", "__version__", "_index"]
    header += meta
    for index, (row, sub) in enumerate(zip(rows, submissions, strict=True), start=1):
        row += [
            str(1000 + index),
            sub["uuid"],
            _kobo_time(sub["submitted"]),
            "",
            KOBO_VERSION,
            str(index),
        ]
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _answer(sub: dict, path: str):
    if path.startswith("victimes/"):
        return sub["victimes"][0].get(path, "") if sub["victimes"] else ""
    return sub["values"].get(path, "")


def kobo_xlsx(submissions: list[dict]) -> bytes:
    book = openpyxl.Workbook()
    main = book.active
    main.title = "Monitoring de protection Mali"[:31]
    victims = book.create_sheet("victimes")
    gps = [
        "_incident/gps_latitude",
        "_incident/gps_longitude",
        "_incident/gps_altitude",
        "_incident/gps_precision",
    ]
    append(main, [*MAIN, *gps, "_id", "_uuid", "_submission_time", "__version__", "_index"])
    needs = [f"victimes/besoins/{n}" for n in NEEDS]
    append(
        victims,
        [
            *VICTIM,
            *needs,
            "_index",
            "_parent_table_name",
            "_parent_index",
            "_submission__id",
            "_submission__uuid",
        ],
    )
    victim_index = 0
    for index, sub in enumerate(submissions, start=1):
        values = [sub["values"].get(p, "") for p in MAIN]
        values[MAIN.index("today")] = dt.date.fromisoformat(sub["values"]["today"])
        values[MAIN.index("incident/date_incident")] = dt.date.fromisoformat(
            sub["values"]["incident/date_incident"]
        )
        point = [float(x) for x in sub["values"]["incident/gps"].split()]
        append(
            main,
            [
                *values,
                *point,
                1000 + index,
                sub["uuid"],
                _kobo_time(sub["submitted"]),
                KOBO_VERSION,
                index,
            ],
        )
        for victim in sub["victimes"]:
            victim_index += 1
            chosen = victim["victimes/besoins"].split()
            append(
                victims,
                [
                    *[victim.get(p, "") for p in VICTIM],
                    *[1 if n in chosen else 0 for n in NEEDS],
                    victim_index,
                    main.title,
                    index,
                    1000 + index,
                    sub["uuid"],
                ],
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _kobo_record(sub: dict, index: int) -> dict:
    record = {"_id": 1000 + index, "formhub/uuid": "a1b2c3d4e5f6"}
    record.update({p: str(v) for p, v in sub["values"].items() if v != ""})
    if sub["victimes"]:
        record["victimes"] = [{p: str(v) for p, v in victim.items()} for victim in sub["victimes"]]
    record.update(
        {
            "__version__": KOBO_VERSION,
            "meta/instanceID": f"uuid:{sub['uuid']}",
            "_uuid": sub["uuid"],
            "_submission_time": _kobo_time(sub["submitted"]),
            "_attachments": [],
            "_status": "submitted_via_web",
            "_geolocation": [float(x) for x in sub["values"]["incident/gps"].split()[:2]],
            "_tags": [],
            "_notes": [],
            "_validation_status": {},
            "_submitted_by": None,
        }
    )
    return record


def kobo_json(submissions: list[dict], *, next_url: str | None = None) -> bytes:
    results = [_kobo_record(s, i) for i, s in enumerate(submissions, start=1)]
    page = {"count": len(results), "next": next_url, "previous": None, "results": results}
    return json.dumps(page, ensure_ascii=False).encode("utf-8")


def _nest(values: dict) -> dict:
    tree: dict = {}
    for path, value in values.items():
        parts = path.split("/")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return tree


def _odk_record(sub: dict) -> dict:
    values = dict(sub["values"])
    lat, lon, alt, accuracy = (float(x) for x in values.pop("incident/gps").split())
    record = _nest({p: v for p, v in values.items() if v != ""})
    record["incident"]["gps"] = {
        "type": "Point",
        "coordinates": [lon, lat, alt],
        "properties": {"accuracy": accuracy},
    }
    instance = f"uuid:{sub['uuid']}"
    record["victimes"] = [
        {**{p.split("/")[-1]: v for p, v in victim.items()}, "__id": f"{instance}-{n}"}
        for n, victim in enumerate(sub["victimes"])
    ]
    record["victimes@odata.navigationLink"] = f"Submissions('{instance}')/victimes"
    record["meta"] = {"instanceID": instance}
    record["__id"] = instance
    record["__system"] = {
        "submissionDate": sub["submitted"]
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "updatedAt": None,
        "submitterId": "5",
        "submitterName": "moniteur",
        "attachmentsPresent": 0,
        "attachmentsExpected": 0,
        "status": None,
        "reviewState": None,
        "deviceId": None,
        "edits": 0,
        "formVersion": FORM_VERSION,
    }
    return record


def odk_json(submissions: list[dict]) -> bytes:
    document = {
        "@odata.context": f"https://central.example/v1/projects/1/forms/{FORM_ID}.svc/$metadata#Submissions",
        "value": [_odk_record(s) for s in submissions],
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def odk_csv_zip(submissions: list[dict]) -> bytes:
    main_header = [
        "SubmissionDate",
        *[p.replace("/", "-") for p in MAIN],
        "incident-gps-Latitude",
        "incident-gps-Longitude",
        "incident-gps-Altitude",
        "incident-gps-Accuracy",
        "meta-instanceID",
        "KEY",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        "FormVersion",
    ]
    main, victims = io.StringIO(newline=""), io.StringIO(newline="")
    write_main = csv.writer(main, lineterminator="\n")
    write_victims = csv.writer(victims, lineterminator="\n")
    write_main.writerow(main_header)
    write_victims.writerow([p.split("/")[-1] for p in VICTIM] + ["PARENT_KEY", "KEY"])
    for sub in submissions:
        key = f"uuid:{sub['uuid']}"
        point = sub["values"]["incident/gps"].split()
        write_main.writerow(
            [
                sub["submitted"].isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                *[sub["values"].get(p, "") for p in MAIN],
                *point,
                key,
                key,
                "5",
                "moniteur",
                "0",
                "0",
                "",
                "",
                "",
                "0",
                FORM_VERSION,
            ]
        )
        for n, victim in enumerate(sub["victimes"], start=1):
            write_victims.writerow(
                [victim.get(p, "") for p in VICTIM] + [key, f"{key}/victimes[{n}]"]
            )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{FORM_ID}.csv", main.getvalue())
        archive.writestr(f"{FORM_ID}-victimes.csv", victims.getvalue())
    return out.getvalue()
