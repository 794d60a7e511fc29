"""`/api/v1/targets`: national targets (planners write, auditors read) and their tracking
report, target against approved plan against actual, as of a day (also as a workbook)."""

from datetime import date
from io import BytesIO
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from kuznia.auth.dependencies import ScopeDep, SessionDep
from kuznia.io.excel import XLSX
from kuznia.pagination import Key, Page, PageParams, page_of, page_params
from kuznia.targets import service, workbook
from kuznia.targets.schemas import (
    TargetCreate,
    TargetFilters,
    TargetRead,
    TargetReport,
    TargetUpdate,
)

PageDep = Annotated[PageParams, Depends(page_params)]
CategoryFilter = Annotated[str | None, Query(description="Only targets of this category.")]
AsOf = Annotated[date, Query(description="The day the report is as of (YYYY-MM-DD).")]

router = APIRouter(prefix="/targets", tags=["targets"])


@router.get("", response_model=Page[TargetRead], summary="List national targets")
def list_targets(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    category: CategoryFilter = None,
    item: Annotated[str | None, Query(description="Only targets of this item.")] = None,
) -> Page[TargetRead]:
    filters = TargetFilters(category=category, item=item)
    items, total = service.list_targets(session=session, scope=scope, filters=filters, page=page)
    return page_of(items, total, page)


@router.post(
    "",
    response_model=TargetRead,
    status_code=status.HTTP_201_CREATED,
    summary="Set a national target",
)
def create_target(session: SessionDep, scope: ScopeDep, body: TargetCreate) -> TargetRead:
    return service.create_target(session=session, scope=scope, body=body)


@router.get(
    "/report",
    response_model=TargetReport,
    summary="Targets against the approved plan and actual accepted output, per month",
)
def target_report(
    session: SessionDep, scope: ScopeDep, as_of: AsOf, category: CategoryFilter = None
) -> TargetReport:
    return service.target_report(session=session, scope=scope, as_of=as_of, category=category)


@router.get(
    "/report/workbook",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "The report as a workbook."}},
    summary="The targets report as an Excel workbook",
)
def target_report_workbook(
    session: SessionDep, scope: ScopeDep, as_of: AsOf, category: CategoryFilter = None
) -> Response:
    report = service.target_report(session=session, scope=scope, as_of=as_of, category=category)
    buffer = BytesIO()
    workbook.write_report(report, buffer)
    name = f"targets-{as_of.isoformat()}.xlsx"
    return Response(
        buffer.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/{target_id}", response_model=TargetRead, summary="Read a target")
def get_target(session: SessionDep, scope: ScopeDep, target_id: Key) -> TargetRead:
    return service.get_target(session=session, scope=scope, target_id=target_id)


@router.patch("/{target_id}", response_model=TargetRead, summary="Change a target")
def update_target(
    session: SessionDep, scope: ScopeDep, target_id: Key, body: TargetUpdate
) -> TargetRead:
    return service.update_target(session=session, scope=scope, target_id=target_id, body=body)


@router.delete("/{target_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a target")
def delete_target(session: SessionDep, scope: ScopeDep, target_id: Key) -> Response:
    service.delete_target(session=session, scope=scope, target_id=target_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
