from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from passerelle.core import audit


class Command(BaseCommand):
    help = (
        "Re-chain the audit log under the current audit key: once, for a log written before "
        "the key (unkeyed SHA-256), or after a key rotation (--old-key-file). The old chain is "
        "verified first; a broken chain is not re-chained without --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--old-key-file",
            metavar="FILE",
            help="the previous audit key (rotation); without it the old chain is unkeyed",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="re-chain even though the old chain is broken (the problems are recorded)",
        )

    def handle(self, *args, **options):
        old_keys = None
        if options["old_key_file"]:
            try:
                old_keys = audit.load_keys(Path(options["old_key_file"]).read_text().strip())
            except OSError as exc:
                raise CommandError(
                    _("The old key file cannot be read: %(reason)s.") % {"reason": exc.strerror}
                ) from exc
        if not audit.verify():
            self.stdout.write(_("The audit log is already chained under the current key."))
            return
        count, problems = audit.rechain(old_keys=old_keys, force=options["force"])
        for p in problems:
            self.stderr.write(f"[{p.kind}] {p.message}")
        if problems and not options["force"]:
            raise CommandError(
                ngettext(
                    "The existing chain is broken (%(n)d problem): nothing was re-chained. "
                    "Investigate first; --force re-chains anyway and records the count.",
                    "The existing chain is broken (%(n)d problems): nothing was re-chained. "
                    "Investigate first; --force re-chains anyway and records the count.",
                    len(problems),
                )
                % {"n": len(problems)}
            )
        self.stdout.write(
            ngettext(
                "%(count)d event re-chained under audit key %(key)s. Take a new checkpoint.",
                "%(count)d events re-chained under audit key %(key)s. Take a new checkpoint.",
                count,
            )
            % {"count": count, "key": audit.key_fingerprint()}
        )
