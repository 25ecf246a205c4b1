from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from passerelle.core import notify
from passerelle.core.models import OutgoingMail


class Command(BaseCommand):
    help = (
        "Send the e-mail waiting in the outbox (not sent after its transaction committed, "
        "or failed and due for a retry). Run it from cron or a worker, e.g. every minute."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="at most this many mails")

    def handle(self, *args, **options):
        counts = notify.send_outbox(limit=options["limit"])
        waiting = OutgoingMail.objects.filter(status=OutgoingMail.Status.PENDING).count()
        self.stdout.write(
            _(
                "%(sent)d e-mail(s) sent, %(failed)d failed, %(cancelled)d cancelled; "
                "%(waiting)d waiting."
            )
            % {**counts, "waiting": waiting}
        )
