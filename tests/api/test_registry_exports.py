"""The registry workbook and the OCDS package through the API, as the web and the CLI give
them: `GET /registry/workbook` (the file `kuznia export excel` writes), `PUT
/registry/workbook` (an upload replacing the registry all or nothing, every bad cell named in
the one error shape), and `GET /ocds` (the contracts and guarantees, of one plan run when
asked). Who may call them is in test_access_matrix.py."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine, func, select

from kuznia import models
from kuznia.db import session_scope
from kuznia.io.excel import XLSX
from kuznia.plans import worker
from tests.api.conftest import Api

WORKBOOK = "/api/v1/registry/workbook"


def download(api: Api, user: str = "planner") -> bytes:
    response = api.get(user, WORKBOOK)
    assert response.status_code == 200, response.text
    return response.content


def upload(api: Api, content: bytes, user: str = "planner") -> Any:
    return api.client.put(
        WORKBOOK,
        headers=api.headers(user),
        files={"workbook": ("registry.xlsx", content, XLSX)},
    )


def spoiled(content: bytes, sheet: str, column: str, value: object) -> tuple[bytes, str]:
    """The workbook with the first record's `column` of `sheet` set to `value`, and the cell."""
    book = load_workbook(BytesIO(content))
    rows = book[sheet]
    header = [cell.value for cell in rows[1]]
    cell = rows.cell(row=2, column=header.index(column) + 1)
    cell.value = value
    out = BytesIO()
    book.save(out)
    return out.getvalue(), cell.coordinate


def audit_events(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(models.AuditEvent)) or 0)


class TestDownload:
    def test_the_registry_comes_as_a_named_xlsx_that_reads_back(self, api: Api) -> None:
        response = api.get("auditor", WORKBOOK)

        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == XLSX
        assert response.headers["content-disposition"] == 'attachment; filename="registry.xlsx"'
        book = load_workbook(BytesIO(response.content), read_only=True)
        assert {"Lines", "Producers", "Items"} <= set(book.sheetnames)
        lines = list(book["Lines"].iter_rows(values_only=True))
        assert "capacity" in lines[0]
        codes = {row[lines[0].index("id")] for row in lines[1:]}
        assert {"l1", "l2"} <= codes


class TestUpload:
    def test_the_downloaded_workbook_imports_back_unchanged(self, api: Api) -> None:
        before = api.get("planner", "/api/v1/instance").json()

        response = upload(api, download(api))

        assert response.status_code == 200, response.text
        assert response.json()["counts"]["lines"] == len(before["lines"])
        assert response.json()["unlinked_organisations"] == []
        after = api.get("planner", "/api/v1/instance").json()
        assert after["lines"] == before["lines"]

    def test_a_bad_cell_is_named_by_sheet_row_and_column_and_nothing_is_written(
        self, api: Api, engine: Engine
    ) -> None:
        content, cell = spoiled(download(api), "Lines", "lead_time", "soon")
        before = audit_events(engine)

        response = upload(api, content)

        assert response.status_code == 422, response.text
        body = response.json()
        assert (body["error"], body["code"]) == ("InvalidInput", "invalid_input")
        fields = [problem["field"] for problem in body["problems"]]
        assert fields == [f"Lines!{cell} (lead_time)"], body["problems"]
        assert f"Lines!{cell} (lead_time)" in body["detail"]
        assert "nothing was imported" in body["detail"]
        assert audit_events(engine) == before

    def test_every_bad_cell_is_listed_in_workbook_order(self, api: Api) -> None:
        content, first = spoiled(download(api), "Lines", "lead_time", "soon")
        content, second = spoiled(content, "Lines", "min_rate", -3)

        response = upload(api, content)

        assert response.status_code == 422
        fields = [problem["field"] for problem in response.json()["problems"]]
        assert fields == [f"Lines!{first} (lead_time)", f"Lines!{second} (min_rate)"]

    def test_a_file_that_is_no_workbook_is_refused_at_the_workbook(self, api: Api) -> None:
        response = upload(api, b"PK not really a zip")

        assert response.status_code == 422
        (problem,) = response.json()["problems"]
        assert problem["field"] == "workbook"
        assert "not an Excel workbook" in problem["message"]

    def test_a_workbook_without_the_registry_s_sheets_names_them(self, api: Api) -> None:
        empty = BytesIO()
        Workbook().save(empty)

        response = upload(api, empty.getvalue())

        assert response.status_code == 422
        assert response.json()["problems"], response.text

    def test_a_workbook_above_the_body_limit_reaches_the_import(self, api: Api) -> None:
        """A national registry workbook is about 1.3 MB, above the 1 MiB of other requests;
        uploads have their own limit (KUZNIA_MAX_UPLOAD_BYTES)."""
        junk = b"PK" + b"\0" * (2 * 1024 * 1024)

        response = upload(api, junk)

        assert response.status_code == 422, response.text
        refused = api.post("planner", "/api/v1/needs", content=junk)
        assert refused.status_code == 413

    def test_a_workbook_dropping_a_line_a_queued_run_reads_is_refused_naming_both(
        self, api: Api
    ) -> None:
        content = download(api)
        book = load_workbook(BytesIO(content))
        for title in book.sheetnames:  # expansion e2 and its line l3 go
            sheet = book[title]
            for row in range(sheet.max_row, 1, -1):
                if sheet.cell(row=row, column=1).value in ("l3", "e2"):
                    sheet.delete_rows(row)
        out = BytesIO()
        book.save(out)
        run_id = api.post("planner", "/api/v1/plan-runs", json={}).json()["id"]
        before = api.get("planner", "/api/v1/instance").json()

        response = upload(api, out.getvalue())

        assert response.status_code == 409, response.text
        assert response.json()["problems"] == [
            {"field": f"plan_runs.{run_id}", "message": "l3, e2", "code": "still_referenced"}
        ]
        assert api.get("planner", "/api/v1/instance").json() == before

    def test_the_same_workbook_imports_while_a_run_is_queued(self, api: Api) -> None:
        api.post("planner", "/api/v1/plan-runs", json={})

        response = upload(api, download(api))

        assert response.status_code == 200, response.text

    def test_no_file_is_a_payload_error(self, api: Api) -> None:
        response = api.client.put(WORKBOOK, headers=api.headers("planner"))

        assert response.status_code == 422
        assert response.json()["error"] == "InvalidInput"


def approved_run(api: Api, engine: Engine) -> tuple[int, dict[str, Any]]:
    """A plan run solved in this process and approved: its id and the approval."""
    run_id: int = api.post("planner", "/api/v1/plan-runs", json={}).json()["id"]
    while (queued := worker.claim_next(engine=engine)) is not None:
        worker.solve_run(engine=engine, run_id=queued)
    approval = api.post("planner", f"/api/v1/plan-runs/{run_id}/approve", json={"firm_months": 1})
    assert approval.status_code == 201, approval.text
    return run_id, approval.json()


class TestOcds:
    def test_nothing_to_publish_is_404(self, api: Api) -> None:
        response = api.get("planner", "/api/v1/ocds")

        assert response.status_code == 404
        assert "approve a plan run first" in response.json()["detail"]

    def test_the_package_holds_a_release_per_contract_and_guarantee(
        self, api: Api, engine: Engine
    ) -> None:
        run_id, approval = approved_run(api, engine)
        made = len(approval["contracts"]) + len(approval["guarantees"])
        assert made > 0

        response = api.get("auditor", "/api/v1/ocds")

        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        package = response.json()
        assert len(package["releases"]) == made
        assert package["publishedDate"]
        # the same releases (a release's id carries the second it was published: compare ocids)
        of_run = api.get("auditor", "/api/v1/ocds", params={"plan_run_id": run_id}).json()
        assert [r["ocid"] for r in of_run["releases"]] == [r["ocid"] for r in package["releases"]]

    def test_a_run_s_package_holds_only_what_it_was_approved_into(
        self, api: Api, engine: Engine
    ) -> None:
        first, _ = approved_run(api, engine)
        second, approval = approved_run(api, engine)

        package = api.get("planner", "/api/v1/ocds", params={"plan_run_id": second}).json()

        numbers = sorted(c["number"] for c in approval["contracts"]) + sorted(
            g["number"] for g in approval["guarantees"]
        )
        assert len(package["releases"]) == len(numbers)
        every = api.get("planner", "/api/v1/ocds").json()["releases"]
        assert len(every) > len(package["releases"])
        assert first != second

    def test_a_run_without_contracts_is_404_naming_it(self, api: Api) -> None:
        response = api.get("planner", "/api/v1/ocds", params={"plan_run_id": 999})

        assert response.status_code == 404
        assert "plan run 999" in response.json()["detail"]
