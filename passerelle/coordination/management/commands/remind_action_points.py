"""Run daily: remind owners of overdue action points and of engagement risk reviews due."""

from django.core.management.base import BaseCommand

from passerelle.coordination.services import remind_overdue_action_points, remind_risk_reviews


class Command(BaseCommand):
    help = (
        "Notify the owners of overdue action points and of risk analyses due for review "
        "(at most once a day for each)."
    )

    def handle(self, *args, **options):
        actions = remind_overdue_action_points()
        risks = remind_risk_reviews()
        self.stdout.write(f"{actions} overdue action point(s) reminded.")
        self.stdout.write(f"{risks} risk review(s) due reminded.")
