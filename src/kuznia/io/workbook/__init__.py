"""The registry as an Excel workbook people fill in, and read back all or nothing.

`write_registry_workbook` writes one sheet per kind of record, each with a header row,
drop-downs where the values form a closed set, and a Notes sheet that explains every column.
`read_registry_workbook` reads such a workbook back as an `Instance` and reports every bad cell
at once by sheet, row and column (`Lines!D7 (capacity): must be a number >= 0, got "lots"`),
including the cross-record problems of `kuznia.instance` (unknown references, duplicate ids,
months outside the horizon), each placed on the cell that holds the value.

The modules, in the order a value travels:
- `layout`: what each sheet holds (columns, meanings, sheet order, the Notes' rules);
- `writer`: the workbook from an instance; `cell_value` is the one place a value becomes a cell;
- `tables`: the sheets read into tables; `open_workbook` is the one place a file is opened;
- `cells`: one cell's value, or what is wrong with it;
- `document`: the tables assembled into an instance document, remembering where values came from;
- `placing`: the instance's own problems, by their structured location, placed on cells;
- `problems`: `CellProblem` and `WorkbookError`.

Exception tree:

    Exception
     └── WorkbookError   a workbook cannot be read or breaks the format; carries every problem

What keeps the round trip `instance -> workbook -> instance` exact:
- A blank cell leaves a field out (it takes the format's default); a field that was given is
  written, even when it holds the default value.
- openpyxl stores every number as `%.16g`, so a float 878.0 is stored as `878` and would be
  read back as the int 878. Decimal numbers are therefore written with a number format that
  shows decimals (DECIMAL_FORMAT), and a whole number read from a cell whose format shows
  decimals is read as a float; any other whole number is an int. Integer fields (months, lead
  times, priorities) take 3.0 as 3, so a workbook saved by Excel reads the same.
- Numbers keep 16 significant digits (Excel shows 15): a float that needs 17 comes back rounded
  in its last digit.
- Lists and nested records (JV partners, fund budgets, eligibility lists, the instance's
  sections) are always written out, empty when empty: a producer with no partner rows reads
  back with `partners: []`. Synthetic and database instances always give them; a hand-written
  document that left them out reads back equal in meaning, not key for key.
- A per-month capacity or price (a list, even of equal values) is a row of "Capacity by month"
  or "Price by month", one column per month headed YYYY-MM; its Lines cell says "by month".
- The registry's own columns (a foreign supply's `supplier_country`, decision 0016) are not
  instance fields: `read_registry` gives them beside the instance, `write_registry_workbook`
  takes them; `read_registry_workbook` gives the instance alone.
What the workbook cannot hold: an empty text "" (it is a blank cell, so the field is left out),
and names with a comma in an eligibility list (the list is comma-separated).
"""

from kuznia.io.workbook.layout import DECIMAL_FORMAT, SHEET_ORDER
from kuznia.io.workbook.problems import CellProblem, WorkbookError
from kuznia.io.workbook.reader import RegistryWorkbook, read_registry, read_registry_workbook
from kuznia.io.workbook.writer import write_registry_workbook

__all__ = [
    "DECIMAL_FORMAT",
    "SHEET_ORDER",
    "CellProblem",
    "RegistryWorkbook",
    "WorkbookError",
    "read_registry",
    "read_registry_workbook",
    "write_registry_workbook",
]
