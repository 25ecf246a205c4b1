from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from passerelle.core import backup

from .backup import add_secret_arguments, secret_from


class Command(BaseCommand):
    help = (
        "Replace the whole database with an encrypted backup, in one transaction: the file is "
        "checked first (passphrase or key, integrity, keys, schema), the audit chain and the "
        "key canary are verified before the commit, and a refused restore changes nothing."
    )
    # The database may hold another key's data (that is what a restore repairs).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("backup", metavar="FILE", help="the backup file")
        add_secret_arguments(parser)
        parser.add_argument(
            "--keys-to",
            metavar="DIR",
            help="the backup was made under other keys: write its field and audit keys to DIR "
            "and restore under them (then start Passerelle with those key files)",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="only decrypt and check the file (integrity, keys, schema); write nothing",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, **options):
        secret = secret_from(options)
        path = options["backup"]
        try:
            if options["check"]:
                contents = backup.inspect(path, secret)
                backup.check_schema(contents.manifest)
                if not options["keys_to"]:
                    backup.check_keys(contents.manifest)
                self.stdout.write(
                    _("The backup of %(at)s is intact and can be restored here: %(rows)d rows.")
                    % {"at": contents.manifest["created_at"], "rows": sum(contents.counts.values())}
                )
                return
            if options["interactive"]:
                answer = input(
                    _(
                        "This replaces EVERYTHING in the database with the backup (users, "
                        "records, audit log). Type 'yes' to continue: "
                    )
                )
                if answer.strip().lower() != "yes":
                    raise CommandError(_("Restore cancelled. Nothing was changed."))
            info = backup.restore_backup(path, secret, keys_to=options["keys_to"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(
                _("The backup %(file)s cannot be read: %(reason)s.")
                % {"file": path, "reason": exc.strerror}
            ) from exc
        self.stdout.write(
            _(
                "Restored the backup of %(at)s: %(rows)d rows in %(tables)d tables; the audit "
                "log verifies and the identities open."
            )
            % {"at": info.created_at, "rows": info.rows, "tables": info.tables}
        )
        if options["keys_to"]:
            self.stdout.write(
                _(
                    "The backup's keys are in %(dir)s: set PASSERELLE_FIELD_KEY_FILE=%(dir)s/"
                    "field.key and PASSERELLE_AUDIT_KEY_FILE=%(dir)s/audit.key before starting "
                    "Passerelle."
                )
                % {"dir": options["keys_to"]}
            )
