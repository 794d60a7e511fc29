"""The services' refusals in the page's language: every kind of problem a service names has
words in both catalogs, and a Ukrainian page says each class of refusal in Ukrainian (beside
its field, above the form, or in the workbook's list of cells), while the API keeps its
English words."""

from __future__ import annotations

import re
from html import unescape

import pytest

from kuznia.auth import policy
from kuznia.auth import service as auth_service
from kuznia.errors import Conflict, FieldProblem, InvalidInput
from kuznia.instance import errors as instance_kinds
from kuznia.instance.validate import ELIGIBLE_REFERENCES, ID_SECTIONS, REFERENCES
from kuznia.io.excel import XLSX
from kuznia.io.workbook import problems as cell_kinds
from kuznia.io.workbook.layout import Kind
from kuznia.targets import service as targets_service
from kuznia.web import forms, problems
from kuznia.web.i18n import Language
from kuznia.web.routes.economy import BAD_CURVE
from kuznia.workbench import service as workbench_service
from tests.web.conftest import Pages
from tests.web.test_download_pages import spoiled
from tests.web.test_i18n import catalog
from tests.web.test_industry_pages import new_line
from tests.web.test_pages import field_error, first_need

UK = Language("uk")


def codes_of(module: object) -> set[str]:
    """The problem codes a module defines (its upper-case string constants)."""
    return {
        value
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and name not in ("ROOT", "FORMAT")
    }


def known_problems() -> list[tuple[str, dict[str, str]]]:
    """Every kind of problem the instance's rules, the workbook reader, targets, users and
    passwords name, with the noun or the column kind that picks its words."""
    named = {
        instance_kinds.UNKNOWN_REFERENCE: sorted(
            {field for _, field, _ in REFERENCES}
            | {noun for _, noun, _, _ in ELIGIBLE_REFERENCES}
            | {"fund"}  # a fund's budget row in the workbook
        ),
        instance_kinds.DUPLICATE: sorted({*ID_SECTIONS.values(), "stock"}),
    }
    found: list[tuple[str, dict[str, str]]] = []
    services = {
        *targets_service.PROBLEM_KINDS,
        *auth_service.PROBLEM_KINDS,
        *policy.PROBLEM_KINDS,
        *workbench_service.PROBLEM_KINDS,
    }
    for code in sorted(codes_of(instance_kinds) | codes_of(cell_kinds) | services):
        if code in named:
            found.extend((code, {"noun": noun}) for noun in named[code])
        elif code == cell_kinds.CELL_VALUE:
            found.extend((code, {"kind": kind.name.lower()}) for kind in Kind)
        else:
            found.append((code, {}))
    return found


def test_the_known_kinds_are_all_there() -> None:
    kinds = {code for code, _ in known_problems()}

    assert {"unknown_reference", "outside_horizon", "not_a_code", "cell_value"} <= kinds
    assert len(known_problems()) > 80


@pytest.mark.parametrize(("code", "params"), known_problems())
def test_every_kind_of_problem_has_words_in_both_catalogs(
    code: str, params: dict[str, str]
) -> None:
    wording = problems._wording(code, params)

    assert wording is not None, f"no words for {code} {params}: add them to kuznia.web.problems"
    assert catalog("uk").get(wording), f"no Ukrainian for {wording!r}"
    assert wording in catalog("en")


def test_a_problem_is_worded_from_its_kind_and_values_not_its_english() -> None:
    problem = FieldProblem(
        "month", "anything at all", kind="outside_horizon", params={"month": 7, "last": 5}
    )

    assert problems.worded(problem, UK) == (
        "Місяць 7 виходить за горизонт плану: виберіть місяць від 0 до 5."
    )
    assert problems.worded(problem, Language("en")) == (
        "Month 7 is outside the plan's horizon: choose a month from 0 to 5."
    )


def test_a_kind_with_no_words_is_never_english_on_a_ukrainian_page() -> None:
    problem = FieldProblem("x", "something new went wrong", kind="a_kind_nobody_worded")

    assert problems.worded(problem, UK) == "Перевірте це значення."
    assert problems.worded(problem, Language("en")) == "something new went wrong"


def test_a_refusal_above_a_form_is_said_in_the_page_s_language() -> None:
    clash = Conflict('a line with code "l1" exists')
    ours = InvalidInput(BAD_CURVE)

    assert forms.refusal_text(clash, Language("en")) == 'a line with code "l1" exists'
    assert forms.refusal_text(clash, UK) == "Запит суперечить тому, що збережено зараз."
    assert forms.refusal_text(ours, UK) == UK.gettext(BAD_CURVE)
    assert forms.refusal_text(ours, UK) != BAD_CURVE


class TestOnUkrainianPages:
    def test_an_unknown_item_is_said_in_ukrainian_beside_the_item(self, pages: Pages) -> None:
        producer_id = pages.record_id("/producers", code="p1")
        client = pages.as_user("planner", language="uk")

        response = client.post(
            f"/industry/producers/{producer_id}/lines", data=new_line(item="art-999")
        )

        assert response.status_code == 422
        assert field_error(response.text, "item") == "Виробу «art-999» немає."

    def test_a_code_that_is_no_code_is_said_in_ukrainian(self, pages: Pages) -> None:
        producer_id = pages.record_id("/producers", code="p1")
        client = pages.as_user("planner", language="uk")

        response = client.post(
            f"/industry/producers/{producer_id}/lines", data=new_line(code="a line")
        )

        assert response.status_code == 422
        assert field_error(response.text, "code").startswith("«a line» не є кодом:")

    def test_a_month_outside_the_horizon_is_said_in_ukrainian(self, pages: Pages) -> None:
        client = pages.as_user("planner", language="uk")

        response = client.post(
            f"/needs/{first_need(pages)}",
            data={"version": "1", "item": "art-155", "grouping": "g-east", "month": "7",
                  "quantity": "900", "operation": "defensive", "priority": "1"},
        )  # fmt: skip

        assert response.status_code == 422
        assert field_error(response.text, "month") == (
            "Місяць 7 виходить за горизонт плану: виберіть місяць від 0 до 2."
        )

    def test_another_producer_s_line_is_said_as_no_line_in_ukrainian(self, pages: Pages) -> None:
        producer_id = pages.record_id("/producers", code="p1")

        response = pages.as_user("producer", language="uk").post(
            f"/industry/producers/{producer_id}/expansions",
            data={"code": "x", "line": "l2", "added_capacity": "1", "capex": "1"}
            | {"start": "0", "delay": "0"},
        )

        assert response.status_code == 422
        assert field_error(response.text, "line") == "Лінії «l2» немає."

    def test_a_version_that_is_no_number_is_said_in_ukrainian(self, pages: Pages) -> None:
        line_id = pages.record_id("/lines", code="l1")

        response = pages.as_user("planner", language="uk").post(
            f"/industry/lines/{line_id}/delete", data={"version": "abc"}
        )

        assert response.status_code == 422
        assert "У формі вказано версію запису «abc», а це не номер версії." in response.text

    def test_a_workbook_s_bad_cell_is_said_in_ukrainian(self, pages: Pages) -> None:
        client = pages.as_user("planner", language="uk")
        content, cell = spoiled(
            client.get("/registry/workbook").content, "Lines", "lead_time", "soon"
        )

        response = client.post("/registry/import", files={"workbook": ("bad.xlsx", content, XLSX)})

        assert response.status_code == 422
        row = re.search(
            rf'<td class="code">{cell}</td><td[^>]*>lead_time</td><td>([^<]*)</td>',
            response.text,
        )
        assert row is not None
        assert unescape(row.group(1)) == "Введіть ціле число, 0 або більше (у клітинці: «soon»)."

    def test_a_workbook_s_unknown_reference_is_said_in_ukrainian(self, pages: Pages) -> None:
        client = pages.as_user("planner", language="uk")
        content, cell = spoiled(client.get("/registry/workbook").content, "Lines", "item", "zz")

        response = client.post("/registry/import", files={"workbook": ("bad.xlsx", content, XLSX)})

        assert response.status_code == 422
        assert re.search(
            rf'<td class="code">{cell}</td><td[^>]*>item</td><td>Виробу «zz» немає.', response.text
        )


@pytest.mark.usefixtures("execution")
def test_a_target_s_refusal_is_said_in_ukrainian(pages: Pages) -> None:
    target = {"category": "artillery_ammunition", "period": "2026-12", "multiple": "2",
              "base_month": "2027-01", "note": ""}  # fmt: skip

    response = pages.as_user("planner", language="uk").post("/targets", data=target)

    assert response.status_code == 422
    assert field_error(response.text, "base_month") == (
        "Базовий місяць має бути раніше за перший місяць періоду, 2026-12."
    )


def test_a_wrong_current_password_is_said_in_ukrainian(pages: Pages) -> None:
    response = pages.as_user("producer", language="uk").post(
        "/account/password",
        data={"current_password": "not my password at all", "new_password": "x" * 20,
              "repeated_password": "x" * 20},
    )  # fmt: skip

    assert response.status_code == 400
    assert field_error(response.text, "current_password") == "Це не ваш поточний пароль."


def test_the_api_keeps_its_english_words(pages: Pages) -> None:
    token = pages.as_user("planner").cookies["kuznia_session"]

    response = pages.anonymous(**{"Accept-Language": "uk"}).post(
        "/api/v1/lines",
        headers={"Authorization": f"Bearer {token}"},
        json={"code": "lx", "producer": "p1", "item": "art-999", "capacity": 1, "price": 1},
    )

    assert response.status_code == 422
    assert response.json()["problems"] == [{"field": "item", "message": 'unknown item "art-999"'}]
