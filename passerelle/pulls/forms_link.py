"""Pulled submissions read exactly like an uploaded export of the same server.

The submissions a client fetched are handed, as the server's own JSON document (Kobo's
`{"results": [...]}`, ODK Central's OData `{"value": [...]}`), to the XLSForm reader
(`passerelle.xlsforms.submissions.read_submissions`) and mapped with the mapping saved for the
connection's form version (`to_incidents`): one reading for files and pulls. They are read in
chunks, so that a large pull stays under the reader's per-file bound; row numbers count from
the first submission of the pull.
"""

from __future__ import annotations

import dataclasses
import json

from .errors import PullError

CHUNK = 500


def mapping_of(connection):
    """(definition, mapping) of the connection's form version, or PullError("no_mapping")."""
    from passerelle.xlsforms.models import FormMapping

    version = connection.form_version
    if version is None:
        raise PullError("no_mapping")
    try:
        mapping = version.mapping
    except FormMapping.DoesNotExist:
        raise PullError("no_mapping") from None
    if not mapping.mapping:
        raise PullError("no_mapping")
    return version.form(), mapping.mapping


def rows_for(connection, fetched) -> tuple[list, list]:
    from passerelle.xlsforms.submissions import SubmissionsRefused, read_submissions
    from passerelle.xlsforms.submissions.incidents import to_incidents

    definition, mapping = mapping_of(connection)
    envelope = "results" if connection.kind == connection.Kind.KOBO else "value"
    rows, errors = [], []
    submissions = fetched.submissions
    for start in range(0, len(submissions), CHUNK):
        chunk = submissions[start : start + CHUNK]
        data = json.dumps({envelope: chunk}, default=str).encode()
        try:
            read = read_submissions(data, definition, format="json")
        except SubmissionsRefused as exc:
            errors.append(exc.as_row_error())
            continue
        found, problems = to_incidents(definition, mapping, read.submissions)
        rows.extend(dataclasses.replace(row, row=row.row + start) for row in found)
        errors.extend(
            dataclasses.replace(e, row=e.row + start) if e.row else e
            for e in [*read.errors, *problems]
        )
    return rows, errors
