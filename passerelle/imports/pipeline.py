"""THE import path: every bulk write of incidents, persons, consents and needs goes through here.

CONTRACT (being implemented; other modules code against these signatures):

    plan = prepare(actor, organisation=org, rows=iterable_of_IncidentIn, source="xlsform",
                   source_key="pm_form_v3", errors=reader_errors)
        Validates every row without writing: codes resolved (one query per vocabulary /
        area table per import), the same rules as incidents.services (dates, area level,
        category/sub-type, coordinates, ages, phone...), duplicated keys inside the input,
        the importer's rights (`import.run` in `organisation`; persons need `person.create`,
        identities `person.view_identity` — otherwise a clear error, never a silent drop),
        and classifies each row: new, update (known key, newer version or `replaces` a
        known key), unchanged (known key, same or older version). `plan.errors` is a list of
        RowError (row, column, message), the reader's errors first.

    result = apply(actor, plan, batch=None, progress=None, cancelled=None)
        Writes everything in ONE transaction (all or nothing), in batches (bulk inserts),
        identities encrypted, references numbered, one audit event for the import plus one
        per record written (still verifiable by verify_audit). Refuses a plan with errors.
        `progress(done, total)` is called between batches; `cancelled()` is polled between
        batches and, when true, rolls everything back (raises ImportCancelled).
        Returns counts {"created": n, "updated": n, "unchanged": n, "persons": n, ...}.

    register_reader(source, func)
        func(batch: ImportBatch) -> (iterable of IncidentIn, list of RowError): how the
        background task turns a stored batch (its decrypted payload and options) into rows.
        Each source module (xlsforms, imports.spreadsheets, pulls) registers its reader.

    start(actor, batch) -> enqueues the background application of a validated batch
        (django-tasks, run by `manage.py run_jobs`); the page polls `batch_progress(batch)`
        and may `request_cancel(actor, batch)`.
"""
