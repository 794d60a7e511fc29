"""The services' refusals in the page's language: each problem of a value worded from its kind
and values (`FieldProblem.kind`, `.params`; kuznia.instance.errors lists the kinds), never
from its English text, which stays the API's.

A problem of a kind not listed here is shown as "Check this value." in Ukrainian (the
English page keeps the service's own words): a page never shows English on a Ukrainian page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kuznia.auth import policy
from kuznia.auth import service as auth
from kuznia.errors import FieldProblem
from kuznia.instance import errors as kinds
from kuznia.io.workbook import problems as cells
from kuznia.targets import service as targets
from kuznia.web.i18n import N_, Language
from kuznia.workbench import service as workbench

CHECK_VALUE = N_("Check this value.")

# An unknown reference and a duplicate, by what they name (`params["noun"]`).
UNKNOWN = {
    "item": N_('There is no item "%(value)s".'),
    "line": N_('There is no line "%(value)s".'),
    "producer": N_('There is no producer "%(value)s".'),
    "grouping": N_('There is no grouping "%(value)s".'),
    "category": N_('There is no category "%(value)s".'),
    "region": N_('There is no region "%(value)s".'),
    "fund": N_('There is no fund "%(value)s".'),
}
DUPLICATE = {
    "item": N_('The item code "%(value)s" is given twice.'),
    "producer": N_('The producer code "%(value)s" is given twice.'),
    "line": N_('The line code "%(value)s" is given twice.'),
    "expansion": N_('The expansion option code "%(value)s" is given twice.'),
    "grouping": N_('The grouping code "%(value)s" is given twice.'),
    "fund": N_('The fund code "%(value)s" is given twice.'),
    "export order": N_('The export order code "%(value)s" is given twice.'),
    "stock": N_('The stock of item "%(value)s" is given twice.'),
}
# Every other kind, by its code; `%(name)s` takes the problem's value of that name.
WORDING = {
    kinds.MISSING: N_("This field is required."),
    kinds.UNKNOWN_FIELD: N_('There is no field "%(name)s" here.'),
    kinds.TOO_LONG: N_("Enter at most %(limit)s characters (this has %(length)s)."),
    kinds.WRONG_TYPE: CHECK_VALUE,
    kinds.NOT_A_CODE: N_(
        '"%(value)s" is not a code: use 1 to 64 letters, digits, ".", "_" and "-", starting with a '
        "letter or a digit."
    ),
    kinds.CONTROL_CHARACTER: N_(
        "The text holds a control character at position %(position)s: remove it."
    ),
    kinds.LINE_BREAK: N_("Write this on one line, without tabs or line breaks."),
    kinds.OUTSIDE_HORIZON: N_(
        "Month %(month)s is outside the plan's horizon: choose a month from 0 to %(last)s."
    ),
    kinds.PER_MONTH_COUNT: N_(
        "Give one value for each of the %(expected)s months (%(count)s given)."
    ),
    kinds.ABOVE_BOUND: N_("%(value)s is more than the largest allowed, %(bound)s."),
    kinds.NOT_A_YEAR: N_('"%(value)s" is not a year: write it with 4 digits, for example 2027.'),
    kinds.PARTNERS_NEED_JOINT_VENTURE: N_("Only a joint venture has partners."),
    kinds.PARTNER_SHARES_ABOVE_ONE: N_("The partners' shares add up to %(total)s, more than 1."),
    kinds.MONTH_AND_WINDOW: N_("Give either a month or a window (from–to), not both."),
    kinds.NO_MONTH_OR_WINDOW: N_("Give a month or a window (from–to)."),
    kinds.HALF_A_WINDOW: N_('A window needs both "from" and "to": "%(missing)s" is missing.'),
    kinds.WINDOW_REVERSED: N_("The window starts in month %(first)s, after it ends (%(last)s)."),
    kinds.TOO_LARGE_INTEGER: N_("This number is too large to store exactly."),
    kinds.BEYOND_WHOLE: N_("%(value)s is more than the largest whole number stored, %(largest)s."),
}
# A user's and a password's problems (kuznia.auth), by kind or code.
USER_WORDING = {
    policy.TOO_SHORT: N_("The password needs at least %(count)s characters."),
    policy.TOO_LONG: N_("The password may have at most %(count)s characters."),
    policy.COMMON: N_("This password is on the list of common passwords: choose another."),
    policy.EMAIL_NAME: N_("The password is the name of the e-mail: choose another."),
    policy.EMAIL_NOT_ASCII: N_(
        "The e-mail has letters outside the Latin alphabet: letters that only look Latin are "
        "not allowed."
    ),
    policy.NOT_AN_EMAIL: N_('"%(value)s" is not an e-mail address (name@domain).'),
    auth.UNKNOWN_ORGANISATION: N_('There is no organisation "%(value)s".'),
    auth.ROLE_DOES_NOT_FIT: N_("This role does not fit the organisation's kind."),
    auth.NOT_CURRENT: N_("This is not your current password."),
    auth.NOT_NEW: N_("The new password is the current one: choose another."),
    workbench.NAME_TAKEN: N_('The name "%(value)s" is taken: choose another.'),
}
# A target's problems (kuznia.targets.service), by kind.
TARGET_WORDING = {
    targets.ITEM_NOT_IN_CATEGORY: N_(
        'The item "%(item)s" is in the category "%(its_category)s", not "%(category)s".'
    ),
    targets.NOT_A_PERIOD: N_(
        "Write the period as a month (YYYY-MM) or a quarter (YYYY-Qn), for example 2027-Q1; "
        'not "%(value)s".'
    ),
    targets.NOT_A_MONTH: N_('Write the month as YYYY-MM, for example 2026-01; not "%(value)s".'),
    targets.BASE_NOT_BEFORE_PERIOD: N_(
        "The base month must come before the period's first month, %(first)s."
    ),
    targets.BASE_TOO_EARLY: N_(
        "The base month may be at most %(span)s months before the period's first month, %(first)s."
    ),
    targets.NO_QUANTITY: N_("Give a quantity, or a multiple and a base month."),
    targets.QUANTITY_AND_MULTIPLE: N_("Give a quantity or a multiple, not both."),
    targets.MULTIPLE_WITHOUT_BASE: N_("A multiple needs the base month it multiplies."),
}
# A workbook's own problems (kuznia.io.workbook.problems), by code.
CELL_WORDING = {
    cells.EMPTY_CELL: N_("Required, but the cell is empty."),
    cells.UNREADABLE_WORKBOOK: N_("This is not an Excel workbook (.xlsx) that can be read."),
    cells.WORKBOOK_TOO_LARGE: N_("The workbook is too large to be read."),
    cells.DAMAGED_WORKBOOK: N_("The workbook is damaged and cannot be read."),
    cells.SHEET_MISSING: N_("This sheet is missing from the workbook."),
    cells.CHART_SHEET: N_("This is a chart, not a sheet of cells."),
    cells.NO_COLUMN_NAMES: N_("Row 1 must hold the column names: %(columns)s."),
    cells.UNNAMED_COLUMN: N_("A value in column %(letter)s, which has no name in row 1."),
    cells.COLUMN_TWICE: N_("This column is given twice, first in %(first)s1."),
    cells.UNKNOWN_COLUMN: N_("Unknown column; the columns of this sheet are %(columns)s."),
    cells.COLUMN_MISSING: N_('Column "%(column)s" is missing from row 1.'),
    cells.EXCEL_ERROR: N_("The cell holds the Excel error %(value)s."),
    cells.FORMULA_WITHOUT_VALUE: N_(
        "A formula with no computed value: open and save the workbook in Excel or "
        "LibreOffice, or type the value."
    ),
    cells.SETTING_WITHOUT_NAME: N_("A value with no setting name."),
    cells.UNKNOWN_SETTING: N_('Unknown setting "%(value)s"; the settings are %(settings)s.'),
    cells.SETTING_TWICE: N_('The setting "%(setting)s" is given twice, first in row %(row)s.'),
    cells.SETTING_REQUIRED: N_('The setting "%(setting)s" is required: add a row for it.'),
    cells.BUDGET_TWICE: N_(
        'The budget of fund "%(fund)s" for %(year)s is given twice, first in row %(row)s.'
    ),
    cells.MONTH_VALUE_MISSING: N_(
        "Every month needs a value; for a value that stays the same, delete this row and give "
        "the number in the Lines sheet."
    ),
    cells.LINE_TWICE: N_('Line "%(line)s" is given twice, first in row %(row)s.'),
    cells.MONTH_NOT_IN_PLAN: N_(
        "Month %(month)s is not in the plan (%(first)s to %(last)s, from start and months in "
        "Settings)."
    ),
    cells.MONTH_COLUMNS_MISSING: N_(
        "Month columns are missing from row 1: %(months)s; the plan runs %(first)s to "
        "%(last)s, one column per month."
    ),
    cells.GIVEN_TWICE_BY_MONTH: N_(
        'Given both here and in "%(sheet)s" row %(row)s: keep one (write "%(by_month)s" here '
        "for a value that changes by month)."
    ),
    cells.BY_MONTH_WITHOUT_ROW: N_(
        'Says "%(by_month)s", but "%(sheet)s" has no row for this line.'
    ),
    cells.NUMBER_OR_BY_MONTH_ROW: N_(
        'Required: a number here, or a row for this line in "%(sheet)s".'
    ),
}
# A cell's value its column cannot read (`CELL_VALUE`), by the column's kind.
CELL_VALUE = {
    "text": N_('Enter text here (the cell holds "%(got)s").'),
    "number": N_('Enter a number, 0 or more (the cell holds "%(got)s").'),
    "whole": N_('Enter a whole number, %(least)s or more (the cell holds "%(got)s").'),
    "positive_whole": N_('Enter a whole number, %(least)s or more (the cell holds "%(got)s").'),
    "share": N_('Enter a share above 0 and at most 1 (the cell holds "%(got)s").'),
    "choice": N_('Enter one of: %(choices)s (the cell holds "%(got)s").'),
    "yes_no": N_('Enter "yes" or "no" (the cell holds "%(got)s").'),
    "names": N_('List values among %(choices)s, separated by commas (the cell holds "%(got)s").'),
    "year": N_('Enter a year such as 2026 (the cell holds "%(got)s").'),
    "month": N_('Enter a month written YYYY-MM, such as 2026-01 (the cell holds "%(got)s").'),
    "country": N_('Enter a country\'s two letters, such as PL (the cell holds "%(got)s").'),
}
NAMES_WITHOUT_CHOICES = N_('Enter a list separated by commas (the cell holds "%(got)s").')
# Values written as numbers of the page's language.
NUMBERS = frozenset(
    {"value", "bound", "largest", "total", "limit", "length", "count", "expected", "least", "span"}
)


def worded(problem: FieldProblem, lang: Language) -> str:
    """What is wrong with a value, in the page's language."""
    return in_words(problem.kind or problem.code, problem.params, problem.message, lang)


def in_words(kind: str, params: Mapping[str, Any], message: str, lang: Language) -> str:
    """A problem of `kind` naming `params` in the page's language (`message`: the service's
    English words, kept on an English page for a kind not listed here)."""
    wording = _wording(kind, params)
    if wording is None:
        return message if lang.code == "en" else lang.gettext(CHECK_VALUE)
    values = {
        name: _shown(value, lang) if name in NUMBERS else value for name, value in params.items()
    }
    try:
        return lang.gettext(wording, **values)
    except (KeyError, TypeError, ValueError):  # a value the kind names is missing
        return message if lang.code == "en" else lang.gettext(CHECK_VALUE)


def _wording(kind: str, params: Mapping[str, Any]) -> str | None:
    """The catalog message of a problem, or None for a kind not listed here."""
    noun = str(params.get("noun", ""))
    if kind == kinds.UNKNOWN_REFERENCE:
        return UNKNOWN.get(noun)
    if kind == kinds.DUPLICATE:
        return DUPLICATE.get(noun)
    if kind == cells.CELL_VALUE:
        column_kind = str(params.get("kind", ""))
        if column_kind == "names" and "choices" not in params:
            return NAMES_WITHOUT_CHOICES
        return CELL_VALUE.get(column_kind)
    for wording in (WORDING, CELL_WORDING, TARGET_WORDING, USER_WORDING):
        if kind in wording:
            return wording[kind]
    return None


def _shown(value: Any, lang: Language) -> Any:
    """A number as the page writes it (a code or a text as it is)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, int) and abs(value) >= 10**15:
        return str(value)  # digits as given: beyond what a float holds exactly
    if isinstance(value, float) and not value.is_integer():
        return lang.significant(value, 9)
    return lang.number(value)
