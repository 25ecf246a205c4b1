"""The preview lists an import's errors in the order of the file's rows, whatever pass of the
check found them (the reader's errors, then the rules')."""

from django.utils import translation

from passerelle.imports import steps
from passerelle.imports.models import ImportBatch


def _error(row, column, text):
    return {"row": row, "column": column, "code": "invalid", "message": {"en": text, "fr": text}}


def test_errors_are_listed_by_row_the_files_own_first():
    batch = ImportBatch()
    batch.set_errors(
        [
            _error(3, "occurred_on", "not a date"),
            _error(5, "key", "key used twice"),
            _error(4, "category", "not allowed"),
            _error(None, "", "file problem"),
            _error(4, "area", "no such area"),
        ]
    )
    with translation.override("en"):
        worded = steps.worded_errors(batch)
    assert [(e["row"], e["column"]) for e in worded] == [
        (0, ""),
        (3, "occurred_on"),
        (4, "category"),
        (4, "area"),
        (5, "key"),
    ]
