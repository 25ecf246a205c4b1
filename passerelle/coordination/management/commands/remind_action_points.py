"""Run daily: remind owners of overdue action points and of engagement risk reviews due."""

from django.core.management.base import BaseCommand

from passerelle.coordination import services


class Command(BaseCommand):
    help = (
        "Notify the owners of overdue action points and of risk analyses due for review "
        "(at most once a day for each)."
    )

    def handle(self, *args, **options):
        counts = services.remind_action_points()  # the job's function too
        actions, risks = counts["action_points"], counts["risk_reviews"]
        self.stdout.write(f"{actions} overdue action point(s) reminded.")
        self.stdout.write(f"{risks} risk review(s) due reminded.")
