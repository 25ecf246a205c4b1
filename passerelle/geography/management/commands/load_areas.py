"""manage.py load_areas: load administrative areas (P-codes), names and boundaries."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from passerelle.geography.loader import (
    MALI_VERSION,
    AreaImportError,
    GeoJSONSource,
    load_areas,
    load_mali,
)


class Command(BaseCommand):
    help = (
        "Load administrative areas from a COD-AB style CSV (pcode,name,level,parent_pcode"
        "[,name_fr,name_en]), optional French/English names and GeoJSON boundaries, or the "
        "bundled Mali data with --mali. Every input is checked first; on any error nothing is "
        "written."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Our --version (the P-code version) replaces Django's "show the Django version" option.
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("csv", nargs="?", help="COD-AB style CSV file of areas.")
        parser.add_argument("--geojson", help="GeoJSON FeatureCollection of boundaries.")
        parser.add_argument(
            "--match-property", help="Feature property holding the area's P-code (with --geojson)."
        )
        parser.add_argument(
            "--fallback-property",
            help="Property used when --match-property is missing or null (with --geojson).",
        )
        parser.add_argument("--names", help="CSV file pcode,name_fr,name_en.")
        parser.add_argument(
            "--version",
            dest="pcode_version",
            default=None,
            help=f"P-code version stored with each area of the CSV (--mali: {MALI_VERSION}).",
        )
        parser.add_argument(
            "--mali", action="store_true", help="Load the bundled Mali COD-AB areas and boundaries."
        )

    def handle(self, *args, **options):
        csv_path = options["csv"]
        geojson = options["geojson"]
        match_property = options["match_property"]
        fallback_property = options["fallback_property"]
        names = options["names"]
        version = options["pcode_version"]

        if options["mali"]:
            if csv_path or geojson or names or match_property or fallback_property:
                raise CommandError(_("--mali cannot be combined with other input files."))
        elif not (csv_path or geojson or names):
            raise CommandError(_("Give a CSV file, --geojson, --names or --mali."))
        if geojson and not match_property:
            raise CommandError(_("--geojson needs --match-property."))
        if (match_property or fallback_property) and not geojson:
            raise CommandError(_("--match-property and --fallback-property need --geojson."))

        try:
            if options["mali"]:
                result = load_mali(version=version or MALI_VERSION)
            else:
                sources = (
                    [GeoJSONSource(geojson, match_property, fallback_property)] if geojson else []
                )
                result = load_areas(csv_path, names_path=names, geojson=sources, version=version)
        except AreaImportError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            count = len(exc.errors)
            raise CommandError(
                ngettext(
                    "%(count)d error found; nothing was loaded.",
                    "%(count)d errors found; nothing was loaded.",
                    count,
                )
                % {"count": count}
            ) from exc
        self.stdout.write(self.style.SUCCESS(result.summary()))
