from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from passerelle.core import audit


class Command(BaseCommand):
    help = (
        "Print (or write) a checkpoint of the audit log: the newest event's number and hash, "
        "the time, signed with the audit key. Keep it off this machine; "
        "`verify_audit --checkpoint FILE` checks the log still contains it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", metavar="FILE", help="write the checkpoint to FILE")

    def handle(self, *args, **options):
        try:
            checkpoint = audit.make_checkpoint()
        except audit.CheckpointError as exc:
            raise CommandError(_("No checkpoint: the audit log is empty.")) from exc
        text = checkpoint.to_json() + "\n"
        if options["output"]:
            path = Path(options["output"])
            try:
                path.write_text(text)
            except OSError as exc:
                raise CommandError(
                    _("The checkpoint cannot be written to %(file)s: %(reason)s.")
                    % {"file": path, "reason": exc.strerror}
                ) from exc
            self.stderr.write(
                _("Checkpoint of event %(seq)d written to %(file)s.")
                % {"seq": checkpoint.seq, "file": path}
            )
        else:
            self.stdout.write(text, ending="")
