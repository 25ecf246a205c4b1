"""Run daily: remind each side of the referrals whose next step is late."""

from django.core.management.base import BaseCommand

from passerelle.referrals.services import remind_overdue


class Command(BaseCommand):
    help = "Notify senders and providers of overdue referrals (once a day per referral)."

    def handle(self, *args, **options):
        count = remind_overdue()
        self.stdout.write(f"{count} overdue referral(s) reminded.")
