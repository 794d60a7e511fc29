"""Workbooks in and out, made safe (see docs/security.md, "Hostile input").

- In: `check_workbook` looks into a workbook's zip before openpyxl opens it and refuses one
  whose parts would unpack to more than the limits (`WorkbookLimits`, from the settings
  `KUZNIA_IMPORT_MAX_*`): bytes per part and in all, number of parts, rows per sheet. A zip
  bomb is refused by name of the limit and the part, never a MemoryError.
- Out: `neutralise_formulas` turns every text cell that a spreadsheet would read as a formula
  (it starts with =, +, -, @, a tab or a carriage return; OWASP's "CSV injection") into plain
  text shown as written (openpyxl's `quotePrefix`, Excel's leading apostrophe). Numbers stay
  numbers. Every workbook Kuznia writes passes through it just before it is saved.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from typing import IO, Any, Final

from kuznia.settings import Settings

# What a text cell may not start with (OWASP, CSV injection): a spreadsheet evaluates it.
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")

# A row element of a sheet's XML, with or without a namespace prefix: `<row `, `<x:row>`.
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_CHUNK = 1 << 20


class WorkbookTooLarge(ValueError):
    """Raised when a workbook to import breaks a limit: the message names the limit, its
    setting and the part."""


@dataclass(frozen=True)
class WorkbookLimits:
    """How much a workbook to import may unpack to."""

    total_bytes: int
    part_bytes: int
    parts: int
    rows: int

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> WorkbookLimits:
        """The limits the settings (by default, the environment's) give."""
        settings = settings or Settings()
        return cls(
            total_bytes=settings.import_max_bytes,
            part_bytes=settings.import_max_part_bytes,
            parts=settings.import_max_parts,
            rows=settings.import_max_rows,
        )


def check_workbook(
    source: str | os.PathLike[str] | IO[bytes], *, limits: WorkbookLimits | None = None
) -> None:
    """Raise WorkbookTooLarge unless the workbook `source` stays within `limits` (by default,
    the settings'); zipfile.BadZipFile if it is no zip at all."""
    limits = limits or WorkbookLimits.from_settings()
    with zipfile.ZipFile(source) as archive:
        parts = archive.infolist()
        if len(parts) > limits.parts:
            raise WorkbookTooLarge(
                f"the workbook has {len(parts)} parts, more than the {limits.parts} allowed "
                "(KUZNIA_IMPORT_MAX_PARTS)"
            )
        total = 0
        for part in parts:
            # zipfile stops unpacking a part at its declared size (and then fails its CRC),
            # so the declared sizes bound what openpyxl can be made to unpack.
            if part.file_size > limits.part_bytes:
                raise WorkbookTooLarge(
                    f"the part {part.filename} unpacks to {part.file_size} bytes, more than the "
                    f"{limits.part_bytes} allowed (KUZNIA_IMPORT_MAX_PART_BYTES)"
                )
            total += part.file_size
            if total > limits.total_bytes:
                raise WorkbookTooLarge(
                    f"the workbook unpacks to more than the {limits.total_bytes} bytes allowed "
                    f"(KUZNIA_IMPORT_MAX_BYTES), at the part {part.filename}"
                )
        for part in parts:
            if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
                rows = _count_rows(archive, part, limit=limits.rows)
                if rows > limits.rows:
                    raise WorkbookTooLarge(
                        f"the sheet {part.filename} has more than the {limits.rows} rows allowed "
                        "(KUZNIA_IMPORT_MAX_ROWS)"
                    )


def _count_rows(archive: zipfile.ZipFile, part: zipfile.ZipInfo, *, limit: int) -> int:
    """The rows of a sheet's XML, counted as it streams; stops counting past `limit`."""
    rows = 0
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            window = tail + chunk
            rows += len(_ROW.findall(window))
            if rows > limit:
                break
            # Keep a tag's start cut at the chunk's end for the next window, uncounted.
            cut = window.rfind(b"<", max(0, len(window) - 64))
            tail = window[cut:] if cut >= 0 and not _ROW.match(window, cut) else b""
    return rows


def neutralise_formulas(book: Any) -> int:
    """Make every text cell of the openpyxl workbook `book` that starts like a formula plain
    text shown as written; returns how many cells were changed."""
    changed = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and value.startswith(FORMULA_START):
                    cell.value = value
                    cell.data_type = "s"  # openpyxl took a leading "=" for a formula
                    cell.quotePrefix = True
                    changed += 1
    return changed
