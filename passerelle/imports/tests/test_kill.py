"""A server killed (kill -9) in the middle of an import leaves the database as it was before
the import: no incident, person, consent, submission key, reference counter or audit event of
it, and an audit chain that still verifies.

The import runs in a real process of its own (`manage.py shell -c`, see `killable.py`)
that writes its progress to a file between batches; the test waits until a first batch is
written inside the transaction, then kills the process with SIGKILL.

PostgreSQL: on this test database (the test commits its organisation and user first).
SQLite: on a fresh database file of its own, migrated by the child process, never on the
test worker's file (a second process writing a worker's SQLite file once left that worker's
later tests failing with "disk I/O error", see tests/test_jobs.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROWS = 6000  # several batches of 1,000: the kill falls between the first and the last


def _child(env: dict, code: str, *, wait: bool = True, timeout: int = 300):
    command = [sys.executable, "manage.py", "shell", "-c", code]
    if not wait:
        return subprocess.Popen(  # noqa: S603 - our own manage.py
            command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    done = subprocess.run(  # noqa: S603
        command,
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def _kill_mid_apply(env: dict, org: int, user: int, progress: Path) -> None:
    proc = _child(
        env,
        "from passerelle.imports.tests.killable import run; "
        f"run({org}, {user}, {ROWS}, {str(progress)!r})",
        wait=False,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            text = progress.read_text() if progress.exists() else ""
            if text and text != "finished" and int(text.split()[0]) >= 1000:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
        done, total = (int(n) for n in progress.read_text().split())
        assert 1000 <= done < total == ROWS  # killed in the middle of apply
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_import_leaves_nothing_on_postgresql(user_with_role, org, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL run; SQLite is tested on a file of its own below")
    from passerelle.geography.loader import load_mali
    from passerelle.vocabularies.loader import sync_terms
    from passerelle.vocabularies.models import Term

    sync_terms(Term)  # an earlier transactional test may have flushed the migration's terms
    load_mali()
    importer = user_with_role("monitor", username="drc.killed")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = dict(os.environ, DATABASE_URL=url, PASSERELLE_ENV="test")
    before = json.loads(
        _child(env, "from passerelle.imports.tests.killable import counts; counts()")
    )
    _kill_mid_apply(env, org.pk, importer.pk, tmp_path / "progress")
    after = json.loads(
        _child(env, "from passerelle.imports.tests.killable import counts; counts()")
    )
    assert after == before and after["problems"] == 0
    assert after["incidents"] == 0
    # The dead import's locks are gone: the same import now goes through, once.
    from passerelle.imports import pipeline

    from .helpers import row

    plan = pipeline.prepare(importer, organisation=org, rows=[row(1)], source="xlsform")
    assert pipeline.apply(importer, plan)["created"] == 1


def test_kill_9_mid_import_leaves_nothing_on_sqlite(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite run; PostgreSQL is tested on its test database above")
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'killed.sqlite3'}",
        PASSERELLE_ENV="test",
        PASSERELLE_VAR_DIR=str(tmp_path),
    )
    migrate = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    made = json.loads(_child(env, "from passerelle.imports.tests.killable import setup; setup()"))
    before = json.loads(
        _child(env, "from passerelle.imports.tests.killable import counts; counts()")
    )
    _kill_mid_apply(env, made["org"], made["user"], tmp_path / "progress")
    after = json.loads(
        _child(env, "from passerelle.imports.tests.killable import counts; counts()")
    )
    assert after == before and after["problems"] == 0 and after["incidents"] == 0
    import sqlite3

    with sqlite3.connect(tmp_path / "killed.sqlite3") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
