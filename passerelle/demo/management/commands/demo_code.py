"""manage.py demo_code: the current two-factor code of the demo accounts (never in production)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from passerelle.demo import otp


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo accounts (demo secret only)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(_("The demo two-factor secret is refused in production."))
        now = time.time()
        seconds = 30 - int(now) % 30
        self.stdout.write(otp.demo_code(now))
        if options.get("verbosity", 1) >= 1:
            self.stderr.write(
                _("Valid for %(seconds)d more seconds (secret %(secret)s).")
                % {"seconds": seconds, "secret": otp.DEMO_TOTP_SECRET}
            )
