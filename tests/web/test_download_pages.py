"""Downloads with the session's cookie: a plan run's workbook, the registry workbook and its
import (every bad cell listed, nothing written), the OCDS package; for planners and auditors,
refused to the other roles."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook

from tests.web.conftest import Pages, solve_queued
from tests.web.test_security import audit_events

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spoiled(workbook: bytes, sheet: str, column: str, value: str) -> tuple[bytes, str]:
    """`workbook` with the first data row's `column` of `sheet` set to `value`; the cell."""
    book = load_workbook(io.BytesIO(workbook))
    rows = book[sheet]
    header = [cell.value for cell in rows[1]]
    cell = rows.cell(row=2, column=header.index(column) + 1)
    cell.value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), cell.coordinate


class TestPlanWorkbook:
    def test_a_planner_downloads_a_finished_plan_s_workbook(self, pages: Pages) -> None:
        run_id = pages.start_plan()
        solve_queued(pages.engine)
        client = pages.as_user("planner")
        assert f'href="/plans/{run_id}/workbook"' in client.get(f"/plans/{run_id}").text

        response = client.get(f"/plans/{run_id}/workbook")

        assert response.status_code == 200
        assert response.headers["content-type"] == XLSX
        assert f'filename="plan-run-{run_id}.xlsx"' in response.headers["content-disposition"]
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        assert "Summary" in book.sheetnames

    def test_other_roles_are_refused_as_by_the_api(self, pages: Pages) -> None:
        run_id = pages.start_plan()
        solve_queued(pages.engine)
        for role in ("partner", "producer", "logistics", "admin"):
            assert pages.as_user(role).get(f"/plans/{run_id}/workbook").status_code == 403


class TestRegistryWorkbook:
    def test_the_registry_workbook_goes_out_and_comes_back(self, pages: Pages) -> None:
        client = pages.as_user("planner")
        workbook = client.get("/registry/workbook")
        assert workbook.status_code == 200
        assert workbook.headers["content-type"] == XLSX

        response = client.post(
            "/registry/import",
            files={"workbook": ("registry.xlsx", workbook.content, XLSX)},
            follow_redirects=True,
        )

        assert response.status_code == 200, response.text
        assert "The workbook is imported" in response.text

    def test_a_bad_workbook_lists_its_cells_and_writes_nothing(self, pages: Pages) -> None:
        client = pages.as_user("planner")
        content, cell = spoiled(
            client.get("/registry/workbook").content, "Lines", "capacity", "lots"
        )
        before = audit_events(pages)

        response = client.post("/registry/import", files={"workbook": ("bad.xlsx", content, XLSX)})

        assert response.status_code == 422
        problems = response.text.split('id="cell-problems"', 1)[1]
        assert re.search(rf'<td class="code">{cell}</td><td[^>]*>capacity</td>', problems)
        assert "lots" in problems
        assert audit_events(pages) == before

    def test_no_file_is_marked_beside_the_field(self, pages: Pages) -> None:
        response = pages.as_user("planner").post("/registry/import", data={})
        assert response.status_code == 422
        assert 'id="workbook-error"' in response.text

    def test_an_auditor_downloads_but_may_not_import(self, pages: Pages) -> None:
        client = pages.as_user("auditor")
        assert client.get("/registry/workbook").status_code == 200
        assert 'action="/registry/import"' not in client.get("/registry").text
        response = client.post("/registry/import", files={"workbook": ("x.xlsx", b"PK", XLSX)})
        assert response.status_code == 403

    @pytest.mark.parametrize("role", ["producer", "partner", "logistics", "admin"])
    def test_other_roles_get_no_registry(self, pages: Pages, role: str) -> None:
        client = pages.as_user(role)
        assert client.get("/registry").status_code == 403
        assert client.get("/registry/workbook").status_code == 403


@pytest.mark.usefixtures("execution")
class TestOcds:
    def test_a_planner_downloads_the_validated_package(self, pages: Pages) -> None:
        client = pages.as_user("planner")
        assert 'href="/registry/ocds"' in client.get("/contracts").text

        response = client.get("/registry/ocds")

        assert response.status_code == 200, response.text
        package = json.loads(response.content)
        assert len(package["releases"]) == 3  # C-1, C-2, C-3
        assert "contracts-ocds.json" in response.headers["content-disposition"]

    @pytest.mark.parametrize("role", ["producer", "partner"])
    def test_those_who_see_some_contracts_get_no_package(self, pages: Pages, role: str) -> None:
        client = pages.as_user(role)
        assert 'href="/registry/ocds"' not in client.get("/contracts").text
        assert client.get("/registry/ocds").status_code == 403


class TestUploadLimit:
    def test_a_workbook_above_the_body_limit_reaches_the_import(self, pages: Pages) -> None:
        """A national registry workbook is about 1.3 MB, above the 1 MiB of other requests."""
        client = pages.as_user("planner")
        junk = b"PK" + b"\0" * (2 * 1024 * 1024)

        response = client.post("/registry/import", files={"workbook": ("big.xlsx", junk, XLSX)})

        assert response.status_code == 422
        assert "not an Excel workbook" in response.text
        refused = client.post("/needs", files={"workbook": ("big.xlsx", junk, XLSX)})
        assert refused.status_code == 413
