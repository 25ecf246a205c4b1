"""Pull the connections that are due (what the `pull_submissions` job does), or one connection
now: `manage.py pull_submissions [--connection <uuid>]`. Acts for each connection's creator."""

from django.core.management.base import BaseCommand, CommandError

from passerelle.pulls import services
from passerelle.pulls.errors import PullError


class Command(BaseCommand):
    help = "Pull new submissions from KoboToolbox / ODK Central (the due connections, or one)."

    def add_arguments(self, parser):
        parser.add_argument("--connection", default="", help="public id of one connection")

    def handle(self, *args, **options):
        try:
            totals = services.run(connection=options["connection"])
        except services.PullsFailed as exc:
            raise CommandError(str(exc)) from None
        except PullError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            "{pulled} connection(s) pulled: {created} incident(s) created, "
            "{updated} updated.".format(**totals)
        )
