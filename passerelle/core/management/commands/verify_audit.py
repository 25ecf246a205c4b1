from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from passerelle.core import audit
from passerelle.core.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Verify the audit log's keyed hash chain up to its head; fail on any changed, removed "
        "or reordered event, a missing head, or a checkpoint no longer in the log."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help="a checkpoint written by audit_checkpoint (repeatable; '-' reads stdin)",
        )

    def handle(self, *args, **options):
        checkpoints = []
        for name in options["checkpoint"]:
            try:
                text = self.stdin.read() if name == "-" else Path(name).read_text()
            except OSError as exc:
                raise CommandError(
                    _("The checkpoint %(file)s cannot be read: %(reason)s.")
                    % {"file": name, "reason": exc.strerror}
                ) from exc
            try:
                checkpoints.append(audit.parse_checkpoint(text))
            except audit.CheckpointError as exc:
                raise CommandError(
                    _("The checkpoint %(file)s is not valid: %(reason)s")
                    % {"file": name, "reason": exc}
                ) from exc
        problems = audit.verify(checkpoints=checkpoints)
        total = AuditEvent.objects.count()
        if problems:
            for p in problems:
                self.stderr.write(f"[{p.kind}] {p.message}")
            if any(p.kind == "unkeyed" for p in problems):
                self.stderr.write(
                    _(
                        "Events hashed without the audit key: if this log predates the key, "
                        "re-chain it once with `manage.py rechain_audit` (docs/security.md)."
                    )
                )
            raise CommandError(
                ngettext(
                    "Audit log is NOT intact: %(n)d problem in %(total)d events.",
                    "Audit log is NOT intact: %(n)d problems in %(total)d events.",
                    len(problems),
                )
                % {"n": len(problems), "total": total}
            )
        self.stdout.write(_("Audit log intact: %(total)d events verified.") % {"total": total})
        for cp in checkpoints:
            self.stdout.write(
                _("Checkpoint of %(at)s (event %(seq)d) is in the log.")
                % {"at": cp.at, "seq": cp.seq}
            )
