"""Import and export of the service mapping, as XLSX and as HXL-tagged CSV.

- `columns`: the column table, in the order of export, and the HXL hashtags;
- `cells`: the text of one cell, written and read back (formula-safe);
- `export`: the services as an XLSX workbook (with a "codes" sheet) or an HXL CSV file;
- `reading`: an uploaded file (XLSX or CSV, told apart by content) read into a `Table`;
- `validation`: every cell of every row checked, every problem collected;
- `apply`: all rows applied in one transaction, or none; audited;
- `report`: the problems of a rejected import and the downloadable error report.

The views use the names exported here.
"""

from .apply import ImportReport, import_file, import_services, may_import
from .columns import COLUMNS, XLSX_TYPE, Column, column_for_tag, parse_tag
from .export import export_hxl_csv, export_xlsx, filtered_services
from .reading import MAX_BYTES, MAX_ROWS, Table, read_table
from .report import MESSAGES, CellError, ImportRejected, error_report_xlsx, report_errors
from .validation import validate

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "MESSAGES",
    "XLSX_TYPE",
    "CellError",
    "Column",
    "ImportRejected",
    "ImportReport",
    "Table",
    "column_for_tag",
    "error_report_xlsx",
    "export_hxl_csv",
    "export_xlsx",
    "filtered_services",
    "import_file",
    "import_services",
    "may_import",
    "parse_tag",
    "read_table",
    "report_errors",
    "validate",
]
