"""Run daily (cron): remind the addressee's side of requests due tomorrow and of overdue
ones. Idempotent: a request is reminded at most once a day."""

import datetime as dt

from django.core.management.base import BaseCommand

from passerelle.inforequests.services import remind_requests


class Command(BaseCommand):
    help = "Remind those who answer of requests due tomorrow and overdue (once a day each)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=dt.date.fromisoformat, default=None, help="Run as on this day."
        )

    def handle(self, *args, **options):
        sent = remind_requests(options["date"])
        due, overdue = sent.get("due", 0), sent.get("overdue", 0)
        self.stdout.write(f"{due} request(s) due soon and {overdue} overdue request(s) reminded.")
