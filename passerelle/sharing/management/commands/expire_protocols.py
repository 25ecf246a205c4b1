"""Mark protocols past their end date as expired and tell the recipients (run daily).

Access under an expired protocol already stops on its end date (the gate checks the dates on
every read); this command makes the status visible and sends the notifications.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from passerelle.sharing import services


class Command(BaseCommand):
    help = "Mark protocols past their end date as expired and notify the recipients."

    def handle(self, *args, **options):
        count = services.expire_protocols()
        self.stdout.write(
            ngettext("%(count)d protocol expired.", "%(count)d protocols expired.", count)
            % {"count": count}
        )
