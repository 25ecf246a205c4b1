import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from passerelle.core import backup

PASSPHRASE_ENV = "PASSERELLE_BACKUP_PASSPHRASE"  # noqa: S105 (a variable name)
KEY_FILE_ENV = "PASSERELLE_BACKUP_KEY_FILE"


def add_secret_arguments(parser) -> None:
    """The passphrase comes from an environment variable or a file, never from the command
    line (where `ps` would show it); or a backup key file."""
    parser.add_argument(
        "--passphrase-env",
        default=PASSPHRASE_ENV,
        metavar="NAME",
        help=f"environment variable holding the passphrase (default {PASSPHRASE_ENV})",
    )
    parser.add_argument(
        "--passphrase-file", metavar="FILE", help="file whose first line is the passphrase"
    )
    parser.add_argument(
        "--key-file",
        metavar="FILE",
        help=f"a backup key file (32 bytes, base64) instead of a passphrase "
        f"(default: ${KEY_FILE_ENV} when set)",
    )


def secret_from(options) -> backup.Secret:
    key_file = options.get("key_file") or os.environ.get(KEY_FILE_ENV, "")
    if options.get("passphrase_file"):
        try:
            lines = Path(options["passphrase_file"]).read_text().splitlines()
        except OSError as exc:
            raise CommandError(
                _("The passphrase file %(file)s cannot be read: %(reason)s.")
                % {"file": options["passphrase_file"], "reason": exc.strerror}
            ) from exc
        return backup.Secret(passphrase=lines[0] if lines else "")
    passphrase = os.environ.get(options.get("passphrase_env") or PASSPHRASE_ENV, "")
    if passphrase and not options.get("key_file"):
        return backup.Secret(passphrase=passphrase)
    if key_file:
        try:
            return backup.Secret.from_key_file(key_file)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
    raise CommandError(
        _(
            "No passphrase or key: set %(env)s (or --passphrase-env NAME), or give "
            "--passphrase-file FILE or --key-file FILE. A passphrase is never taken from the "
            "command line."
        )
        % {"env": options.get("passphrase_env") or PASSPHRASE_ENV}
    )


class Command(BaseCommand):
    help = (
        "Write one encrypted file holding the whole database (one consistent snapshot), the "
        "applied migrations, the field key and the audit key (docs/backups.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", metavar="FILE", nargs="?", help="the backup file to write")
        add_secret_arguments(parser)
        parser.add_argument(
            "--directory",
            metavar="DIR",
            help="write passerelle-YYYYMMDD-HHMMSS.backup into DIR instead of FILE",
        )
        parser.add_argument(
            "--new-key-file",
            metavar="FILE",
            help="only create a new backup key file (0600) and exit",
        )

    def handle(self, *args, **options):
        if options["new_key_file"]:
            path = Path(options["new_key_file"])
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError as exc:
                raise CommandError(_("%(file)s exists already.") % {"file": path}) from exc
            with os.fdopen(fd, "w") as out:
                out.write(backup.new_key_text() + "\n")
            self.stdout.write(
                _("New backup key written to %(file)s. Keep a copy away from the backups.")
                % {"file": path}
            )
            return
        if not options["directory"] and not options["output"]:
            raise CommandError(_("Name the backup file, or give --directory DIR."))
        path = Path(options["directory"] or options["output"])
        secret = secret_from(options)
        try:
            if options["directory"]:
                info = backup.backup_to_directory(path, secret)
            else:
                info = backup.make_backup(path, secret)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(
                _("The backup cannot be written to %(file)s: %(reason)s.")
                % {"file": path, "reason": exc.strerror}
            ) from exc
        self.stdout.write(
            _("Backup written to %(file)s: %(rows)d rows in %(tables)d tables, %(size)d bytes.")
            % {"file": info.path, "rows": info.rows, "tables": info.tables, "size": info.size}
        )
