"""manage.py load_demo: demonstration organisations, logins and incidents (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from passerelle.demo import loader, otp


class Command(BaseCommand):
    help = "Load the demonstration data (fictional incidents in Mali, 2012–2014) and print logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--incidents",
            type=int,
            default=loader.DEFAULT_INCIDENTS,
            help=f"Number of incidents to generate (default {loader.DEFAULT_INCIDENTS}).",
        )
        parser.add_argument(
            "--small",
            action="store_true",
            help=f"Generate only {loader.SMALL_INCIDENTS} incidents (for tests).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set the demo password again on every demo account.",
        )

    def handle(self, *args, incidents, small, reset_passwords, **options):
        if settings.PRODUCTION:
            # Published password and two-factor secret: never on a production server.
            raise CommandError(_("The demo data cannot be loaded in production."))
        if incidents < 0:
            raise CommandError(_("The number of incidents cannot be negative."))
        count = loader.SMALL_INCIDENTS if small else incidents
        result = loader.load_demo(count, reset_passwords=reset_passwords)
        verbose = options.get("verbosity", 1) >= 1
        write = self.stdout.write

        if verbose and result.areas:
            write(_("Mali areas: %(summary)s") % {"summary": result.areas})
        if verbose and (result.organisations_created or result.users_created):
            write(
                _("Created %(orgs)d organisations, %(users)d users and %(memberships)d roles.")
                % {
                    "orgs": result.organisations_created,
                    "users": result.users_created,
                    "memberships": result.memberships_created,
                }
            )
        if verbose and result.skipped:
            write(
                _("The demo incidents are already loaded (%(count)d); nothing added.")
                % {"count": result.incidents_existing}
            )
        elif verbose:
            write(
                _(
                    "Created %(incidents)d incidents, %(persons)d persons, %(consents)d consent "
                    "records and %(steps)d verification steps in %(seconds).1f s."
                )
                % {
                    "incidents": result.incidents,
                    "persons": result.persons,
                    "consents": result.consents,
                    "steps": result.verification_steps,
                    "seconds": result.timings["incidents"],
                }
            )
        if options.get("verbosity", 1) >= 2:
            for stage, seconds in result.timings.items():
                write(f"  {stage}: {seconds:.2f} s")
        if verbose and result.protocols:
            write(
                _("Created %(protocols)d sharing protocols and %(disclosures)d disclosures.")
                % result.protocols
            )
        if verbose:
            self.print_logins()
            write(
                _(
                    "Protocol %(reference)s is in force between the Protection Cluster and "
                    "MINUSMA: sign in as hrd.viewer and open “Shared with us” to see what it "
                    "permits."
                )
                % {"reference": "PC-MINUSMA-2013-01"}
            )
            write(
                _(
                    "Referrals: sign in as unfpa.case_worker to answer the referrals to UNFPA's "
                    "services, as drc.case_worker to refer a survivor, as unhcr.im_officer to "
                    "keep the service mapping; “Response gaps” shows where needs meet no service."
                )
            )
            write(
                _(
                    "Requests: sign in as unhcr.focal_point to answer the mission's requests "
                    "(Requests → Received, and Figures for the burden), as wpa.focal_point to "
                    "ask one and see earlier requests suggested; “Directory” prints the points "
                    "d'entrée; “Coordination” holds bodies, action points, the engagement risk "
                    "register and the training mapping."
                )
            )

    def print_logins(self):
        write = self.stdout.write
        needing = otp.usernames_needing_code(loader.USERS)
        rows = [(*row, _("yes") if row[0] in needing else "") for row in loader.logins()]
        headers = (_("Username"), _("Role"), _("Organisation"), _("Code"))
        widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(4)]
        line = "  ".join("-" * w for w in widths)
        write("")
        write(self.style.MIGRATE_HEADING(_("Demo logins")))
        write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
        write(line)
        for row in rows:
            write("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
        write(line)
        write(
            _("Password for every demo account: %(password)s") % {"password": loader.DEMO_PASSWORD}
        )
        write(
            _(
                "Accounts marked in the Code column (level-3/4 roles and the system "
                "administrator) also need a two-factor code: add the key %(secret)s to an "
                "authenticator app (time-based, 6 digits), or run `make demo-code`."
            )
            % {"secret": otp.DEMO_TOTP_SECRET}
        )
        write(_("Open %(url)s and sign in with one of these accounts.") % {"url": loader.URL})
        write(_("All people, names and incidents in the demo data are fictional."))
