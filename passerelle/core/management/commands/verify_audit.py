from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from passerelle.core import audit
from passerelle.core.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; fail on any changed, removed or reordered event."

    def handle(self, *args, **options):
        problems = audit.verify()
        total = AuditEvent.objects.count()
        if problems:
            for p in problems:
                self.stderr.write(f"[{p.kind}] {p.message}")
            raise CommandError(
                _("Audit log is NOT intact: %(n)d problem(s) in %(total)d events.")
                % {"n": len(problems), "total": total}
            )
        self.stdout.write(_("Audit log intact: %(total)d events verified.") % {"total": total})
