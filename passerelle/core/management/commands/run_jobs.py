"""Run the background and scheduled jobs: a worker and a scheduler in one process.

`manage.py run_jobs` is what a field office (and the production setup) runs beside the web
server: every few seconds it enqueues the jobs that are due (core.jobs.tick, safe with two
schedulers) and runs what is in the queue (django_tasks_db's worker). `--once` enqueues
what is due, runs the queue to empty and exits (cron, tests).
"""

import logging
import signal
import sys
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from passerelle.core import jobs

logger = logging.getLogger("passerelle.core.jobs")


class Command(BaseCommand):
    help = (
        "Run the scheduled and background jobs (worker and scheduler in one process); "
        "--once: enqueue what is due, run the queue to empty, exit."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="run what is due and queued, then exit"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="seconds between two looks at the schedule and the queue (default 5)",
        )

    def handle(self, *args, once=False, interval=5.0, **options):
        if once:
            done = jobs.run_once()
            names = ", ".join(done["enqueued"]) or "-"
            self.stdout.write(f"Enqueued: {names}. Tasks run: {done['ran']}.")
            return
        self.worker = jobs.make_worker()
        self.stopping = False
        signal.signal(signal.SIGINT, self._shutdown)
        signal.signal(signal.SIGTERM, self._shutdown)
        self.stdout.write(
            f"Jobs worker {self.worker.worker_id[:8]} started: {', '.join(jobs.registry())}."
        )
        self.stdout.flush()
        while not self.stopping:
            close_old_connections()
            try:
                jobs.tick()
                jobs.work(self.worker)
            except Exception:  # noqa: BLE001 - a locked or unreachable database: next round
                logger.exception("Jobs round failed; trying again in %s s", interval)
            close_old_connections()
            if not self.stopping:
                time.sleep(interval)
        self.stdout.write("Jobs worker stopped.")

    def _shutdown(self, signum, frame):
        if self.stopping or not self.worker.running_task:
            sys.exit(0)  # between two jobs, or asked twice: stop now
        self.stopping = True  # finish the job in hand, then stop
        self.worker.running = False
