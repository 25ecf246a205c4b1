"""manage.py import_acled FILE: import an ACLED export (CSV or XLSX) on the server, as the
page does: every row checked first, all events written or none, idempotent."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from passerelle.context import acled


class Command(BaseCommand):
    help = (
        "Import an ACLED export (CSV or XLSX). Every row is checked first; on any error nothing "
        "is written. Events already imported change only when their ACLED timestamp is newer."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The ACLED export.")
        parser.add_argument("--user", help="The user recorded as importer (audit log).")

    def handle(self, *args, **options):
        actor = None
        if options["user"]:
            try:
                actor = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist as exc:
                raise CommandError(_("No user has this name.")) from exc
        try:
            with open(options["file"], "rb") as handle:
                data = handle.read(acled.MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            result = acled.import_events(actor, data=data, filename=options["file"])
        except acled.AcledRejected as exc:
            for error in exc.errors[:200]:
                where = _("row %(row)s, column %(column)s") % {
                    "row": error.row,
                    "column": error.column or "—",
                }
                self.stderr.write(f"{where}: {error.message}")
            count = len(exc.errors)
            raise CommandError(
                ngettext(
                    "%(count)d problem found; nothing was imported.",
                    "%(count)d problems found; nothing was imported.",
                    count,
                )
                % {"count": count}
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "ACLED events imported. New: %(created)s; updated: %(updated)s; unchanged: "
                    "%(unchanged)s; without a matching area: %(unplaced)s."
                )
                % result.counts()
            )
        )
