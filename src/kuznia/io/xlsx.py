"""A streaming writer of plain tables as an .xlsx workbook: one sheet per table, the header row
bold on a dark fill and frozen, a filter over the table, column widths from the first rows,
numbers formatted (ratios as percent, amounts with thousands, months plain).

openpyxl builds a cell object per value and, without lxml, serialises every cell through a
pure-Python XML writer (about 100 µs a cell on this project's machines: 21 s for a national
plan's workbook); this writes each row as one string straight into the zip (decision in
docs/benchmarks.md, "Web"). Text is always written as text, never as a formula: a value that
starts like one is marked with a quote prefix, as `io.safety.neutralise_formulas` does.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from numbers import Integral, Real
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from kuznia.io.safety import FORMULA_START

# cellXfs indexes (styles.xml below)
HEADER, PERCENT, AMOUNT, COUNT, PLAIN, QUOTED, DAY, MOMENT = 1, 2, 3, 4, 5, 6, 7, 8
_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 (Excel's day 0, a naive calendar day)
# characters XML 1.0 cannot carry (openpyxl refuses them too)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
WIDTH_ROWS = 200  # rows read to size the columns


@dataclass(frozen=True)
class Table:
    """One sheet: its name, its header and its values column by column (equal lengths)."""

    name: str
    header: Sequence[str]
    columns: Sequence[Sequence[Any]]


class _Strings:
    """The shared strings table: each distinct text written once, cells name its index."""

    def __init__(self) -> None:
        self.index: dict[str, tuple[int, int]] = {}  # text -> (index, style)
        self.texts: list[str] = []

    def cell(self, value: str, ref: str, style: int = 0) -> str:
        found = self.index.get(value)
        if found is None:
            # (its index, the style of a plain cell holding it: quoted if it looks like a formula)
            found = (len(self.texts), QUOTED if value.startswith(FORMULA_START) else 0)
            self.index[value] = found
            self.texts.append(_ILLEGAL.sub("", value))
        number, shown = found if not style else (found[0], style)
        styled = f' s="{shown}"' if shown else ""
        return f'<c r="{ref}" t="s"{styled}><v>{number}</v></c>'

    def xml(self) -> str:
        items = "".join(f'<si><t xml:space="preserve">{escape(t)}</t></si>' for t in self.texts)
        count = len(self.texts)
        return f'{_XML}<sst xmlns="{_MAIN}" count="{count}" uniqueCount="{count}">{items}</sst>'


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    return "" if value is None else str(value)


def _widths(header: Sequence[str], columns: Sequence[Sequence[Any]]) -> list[int]:
    widths = []
    for name, values in zip(header, columns, strict=True):
        longest = max([len(name)] + [len(_shown(v)) for v in values[:WIDTH_ROWS]])
        widths.append(min(max(longest + 2, 8), 80))
    return widths


def _other(value: Any, ref: str, styles: tuple[int, int], strings: _Strings) -> str:
    """A cell that is neither a float, an int nor a string ('' for an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        if value != value:  # NaT
            return ""
        serial = (value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="{MOMENT}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{DAY}"><v>{(value - _EPOCH.date()).days}</v></c>'
    if isinstance(value, Integral):
        return f'<c r="{ref}" s="{styles[1]}"><v>{int(value)}</v></c>'
    if isinstance(value, Real):
        number = float(value)
        return (
            f'<c r="{ref}" s="{styles[0]}"><v>{number!r}</v></c>' if math.isfinite(number) else ""
        )
    if type(value).__name__ == "NAType":  # pandas' missing value
        return ""
    return strings.cell(str(value), ref)


def _column(
    values: Sequence[Any], letter: str, styles: tuple[int, int], strings: _Strings, first: int = 2
) -> list[str]:
    """Each value's cell XML, rows from `first` on ('' for an empty cell)."""
    fraction, whole = styles
    found: list[str] = []
    add = found.append
    for number, value in enumerate(values, start=first):
        kind = type(value)
        if kind is float:
            if value != value or value in _INFINITE:
                add("")
            elif value.is_integer() and -1e15 < value < 1e15:
                # a whole number reads back as one (as pandas wrote it)
                add(f'<c r="{letter}{number}" s="{fraction}"><v>{int(value)}</v></c>')
            else:
                add(f'<c r="{letter}{number}" s="{fraction}"><v>{value!r}</v></c>')
        elif kind is int:
            add(f'<c r="{letter}{number}" s="{whole}"><v>{value}</v></c>')
        elif kind is str:
            add(strings.cell(value, f"{letter}{number}") if value else "")
        else:
            add(_other(value, f"{letter}{number}", styles, strings))
    return found


_INFINITE = (math.inf, -math.inf)


def _styles_of(header: Sequence[str]) -> list[tuple[int, int]]:
    """Per column: the style of a fractional number and of a whole one."""
    found = []
    for name in header:
        lower = name.lower()
        ratio = any(word in lower for word in ("coverage", "share", "utilisation"))
        found.append((PERCENT if ratio else AMOUNT, PLAIN if "month" in lower else COUNT))
    return found


def _sheet(out: IO[bytes], table: Table, strings: _Strings) -> int:
    """Write one sheet's XML to `out`; the number of its last row (0 when empty)."""
    header = list(table.header)
    width = len(header)
    letters = [column_letter(k) for k in range(width)]
    rows = len(table.columns[0]) if table.columns else 0
    last = rows + 1 if width else 0
    head = [f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">']
    if width:
        head.append(
            f'<dimension ref="A1:{letters[-1]}{last}"/>'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
            'activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/><cols>'
            + "".join(
                f'<col min="{k + 1}" max="{k + 1}" width="{w}" customWidth="1"/>'
                for k, w in enumerate(_widths(header, table.columns))
            )
            + "</cols><sheetData>"
            + '<row r="1">'
            + "".join(strings.cell(name, f"{letters[k]}1", HEADER) for k, name in enumerate(header))
            + "</row>"
        )
    else:
        head.append("<sheetData>")
    out.write("".join(head).encode())
    styles = _styles_of(header)
    step = 5000
    for begin in range(0, rows, step):
        cells = [
            _column(values[begin : begin + step], letter, style, strings, begin + 2)
            for values, letter, style in zip(table.columns, letters, styles, strict=True)
        ]
        out.write(
            "".join(
                f'<row r="{number}">{"".join(row)}</row>'
                for number, row in enumerate(zip(*cells, strict=True), start=begin + 2)
            ).encode()
        )
    tail = "</sheetData>"
    if width and rows:
        tail += f'<autoFilter ref="A1:{letters[-1]}{last}"/>'
    out.write((tail + "</worksheet>").encode())
    return last


def write_xlsx(tables: Sequence[Table], target: str | Path | IO[bytes]) -> None:
    """Write `tables` as a workbook, one sheet each in order, to a path or a binary stream."""
    names = [table.name[:31] for table in tables]
    filters = []
    strings = _Strings()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for k, table in enumerate(tables, start=1):
            with archive.open(f"xl/worksheets/sheet{k}.xml", "w") as out:
                last = _sheet(out, table, strings)
            if last > 1:
                corner = f"${column_letter(len(table.header) - 1)}${last}"
                filters.append((k - 1, names[k - 1], "$A$1", corner))
        archive.writestr("xl/sharedStrings.xml", strings.xml())
        archive.writestr("[Content_Types].xml", _content_types(len(tables)))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _workbook(names, filters))
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(tables)))
        archive.writestr("xl/styles.xml", _STYLES)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _content_types(sheets: int) -> str:
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="{office}.worksheet+xml"/>'
        for k in range(1, sheets + 1)
    )
    return (
        f'{_XML}<Types xmlns="{_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{office}.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{office}.sharedStrings+xml"/>'
        f"{overrides}</Types>"
    )


_ROOT_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


def _workbook(names: list[str], filters: list[tuple[int, str, str, str]]) -> str:
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{k}" r:id="rId{k}"/>'
        for k, name in enumerate(names, start=1)
    )
    defined = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
        f"{escape(_quoted(name))}!{first}:{last}</definedName>"
        for index, name, first, last in filters
    )
    return (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{sheets}</sheets>"
        + (f"<definedNames>{defined}</definedNames>" if defined else "")
        + "</workbook>"
    )


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _workbook_rels(sheets: int) -> str:
    rels = "".join(
        f'<Relationship Id="rId{k}" Type="{_REL}/worksheet" Target="worksheets/sheet{k}.xml"/>'
        for k in range(1, sheets + 1)
    )
    return (
        f'{_XML}<Relationships xmlns="{_PKG}/relationships">{rels}'
        f'<Relationship Id="rId{sheets + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{sheets + 2}" Type="{_REL}/sharedStrings" '
        'Target="sharedStrings.xml"/>'
        "</Relationships>"
    )


# 0 default; 1 header (bold white on dark blue, wrapped); 2 0.0%; 3 #,##0.00; 4 #,##0; 5 0;
# 6 text with a quote prefix; 7 a day; 8 a day and time
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="0.0%"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="166" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FF1F3A5F"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="9">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
    'applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
