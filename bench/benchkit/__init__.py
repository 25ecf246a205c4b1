"""What the benchmarks share: each run in a child process on its own database (a migrated
SQLite file, or a test database on PostgreSQL: DATABASE_URL's server or a throwaway cluster
started with scripts/pg.sh), and medians of interleaved timings.

A bench script imports it as `benchkit` (the script's own directory is on sys.path)."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def child(script: str, marker: str, value: str, database_url: str) -> int:
    """Run `script` again in a child process with `marker`=`value` in its environment (the
    script's cue to run the measurement instead of orchestrating) on `database_url`."""
    env = {**os.environ, marker: value, "DATABASE_URL": database_url}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env.setdefault("PASSERELLE_ENV", "test")
    command = [sys.executable, script]
    return subprocess.run(command, env=env, check=False).returncode  # noqa: S603


def pg(command: str, pg_env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 — the project's own script
        ["bash", str(ROOT / "scripts" / "pg.sh"), command],  # noqa: S607
        env={**os.environ, **pg_env},
        capture_output=True,
        text=True,
        check=False,
    )


@contextmanager
def postgres(pg_env: dict) -> Iterator[str]:
    """The URL of a PostgreSQL server: DATABASE_URL's when it names one, otherwise a
    throwaway cluster (pg_env: PGDATA, PGPORT, PGDB), stopped and removed afterwards. Yields
    "" (and says why) when none can be started."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        yield url
        return
    result = pg("start", pg_env)
    if result.returncode != 0:
        print(f"PostgreSQL run skipped: {(result.stderr or result.stdout).strip()}")
        yield ""
        return
    try:
        yield pg("url", pg_env).stdout.strip()
    finally:
        pg("stop", pg_env)
        data = Path(pg_env["PGDATA"])
        if (data / "PG_VERSION").exists():  # ours: pg.sh initialised it
            shutil.rmtree(data, ignore_errors=True)
            Path(f"{data}.initdb.log").unlink(missing_ok=True)


def in_fresh_database(prefix: str, measure: Callable[[float], None]) -> None:
    """In the child: set Django up, migrate the database (SQLite) or create a test database
    named `prefix`_<random> (PostgreSQL), call measure(seconds the schema took), and drop
    the test database whatever happens."""
    import django

    django.setup()
    from django.db import connection

    original_name = None
    started = time.perf_counter()
    if connection.vendor == "sqlite":
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    else:
        connection.settings_dict["TEST"]["NAME"] = f"{prefix}_{uuid.uuid4().hex[:10]}"
        original_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
    try:
        measure(time.perf_counter() - started)
    finally:
        if original_name is not None:
            connection.creation.destroy_test_db(original_name, verbosity=0)


def timed(*functions, repeat: int) -> list[float]:
    """Median seconds of each function, the runs interleaved so that a busy machine slows
    every side alike."""
    samples = [[] for _ in functions]
    for _ in range(repeat):
        for fn, times in zip(functions, samples, strict=True):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return [statistics.median(times) for times in samples]


def pg_env(name: str, port: int) -> dict:
    """Where a bench's throwaway cluster lives: BENCH_<NAME>_PGDATA / _PGPORT, or a directory
    of its own under the temporary directory and `port`; database bench_<name>."""
    import tempfile

    upper = name.upper()
    default = Path(tempfile.gettempdir()) / f"passerelle-bench-{name}-pg"
    return {
        "PGDATA": os.environ.get(f"BENCH_{upper}_PGDATA", str(default)),
        "PGPORT": os.environ.get(f"BENCH_{upper}_PGPORT", str(port)),
        "PGDB": f"bench_{name}",
    }
