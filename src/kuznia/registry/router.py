"""`/api/v1/<section>`: list, read, create, update and delete registry records."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile, status

from kuznia.auth.dependencies import ScopeDep, SessionDep
from kuznia.documents import InstanceDocument
from kuznia.io.excel import XLSX
from kuznia.pagination import Key, Page, PageParams, page_of, page_params
from kuznia.registry import exchange, service
from kuznia.registry import settings as settings_service
from kuznia.registry.schemas import RecordRead, section_schemas
from kuznia.registry.sections import SECTIONS, Section
from kuznia.registry.settings import SettingsRead, SettingsWrite

PageDep = Annotated[PageParams, Depends(page_params)]


def section_router(section: Section) -> APIRouter:
    """The five routes of one section."""
    schemas = section_schemas(section)
    Create, Update, Read, Filters = schemas.create, schemas.update, schemas.read, schemas.filters
    router = APIRouter(prefix=section.path, tags=[section.name.replace("_", " ")])
    noun = section.noun

    @router.get("", response_model=Page[Read], summary=f"List {section.name.replace('_', ' ')}")  # type: ignore[valid-type]
    def list_records(
        session: SessionDep,
        scope: ScopeDep,
        page: PageDep,
        filters: Annotated[Filters, Query()],  # type: ignore[valid-type]
    ) -> Page[RecordRead]:
        records, total = service.list_records(
            session=session,
            section=section,
            scope=scope,
            filters=filters,
            page=page,
        )
        return page_of(records, total, page)

    @router.get("/{record_id}", response_model=Read, summary=f"Read a {noun}")
    def get_record(session: SessionDep, scope: ScopeDep, record_id: Key) -> RecordRead:
        return service.get_record(
            session=session, section=section, scope=scope, record_id=record_id
        )

    @router.post(
        "", response_model=Read, status_code=status.HTTP_201_CREATED, summary=f"Add a {noun}"
    )
    def create_record(session: SessionDep, scope: ScopeDep, body: Create) -> RecordRead:  # type: ignore[valid-type]
        return service.create_record(
            session=session,
            section=section,
            scope=scope,
            fields=body.model_dump(exclude_unset=True),  # type: ignore[attr-defined]
        )

    @router.patch("/{record_id}", response_model=Read, summary=f"Change a {noun}")
    def update_record(
        session: SessionDep,
        scope: ScopeDep,
        record_id: Key,
        body: Update,  # type: ignore[valid-type]
    ) -> RecordRead:
        changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        version = changes.pop("version")
        return service.update_record(
            session=session,
            section=section,
            scope=scope,
            record_id=record_id,
            version=version,
            changes=changes,
        )

    @router.delete(
        "/{record_id}", status_code=status.HTTP_204_NO_CONTENT, summary=f"Delete a {noun}"
    )
    def delete_record(
        session: SessionDep,
        scope: ScopeDep,
        record_id: Key,
        version: Annotated[
            int | None, Query(description="Refuse (409) unless the record is at this version.")
        ] = None,
    ) -> Response:
        service.delete_record(
            session=session, section=section, scope=scope, record_id=record_id, version=version
        )
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


def registry_routers() -> list[APIRouter]:
    """One router per registry section."""
    return [section_router(section) for section in SECTIONS]


settings_router = APIRouter(tags=["settings"])


@settings_router.get(
    "/settings", response_model=SettingsRead, summary="The planning horizon and weights"
)
def get_settings(session: SessionDep, scope: ScopeDep) -> SettingsRead:
    return settings_service.get_settings(session=session, scope=scope)


@settings_router.put(
    "/settings",
    response_model=SettingsRead,
    summary="Set the horizon and weights (the first time, or on the version read)",
)
def put_settings(session: SessionDep, scope: ScopeDep, body: SettingsWrite) -> SettingsRead:
    return settings_service.put_settings(session=session, scope=scope, body=body)


@settings_router.get(
    "/instance",
    summary="The whole registry as one kuznia-instance/1 document",
    response_model=InstanceDocument,
)
def get_instance(session: SessionDep, scope: ScopeDep) -> InstanceDocument:
    return InstanceDocument(settings_service.instance_document(session=session, scope=scope))


# --- the registry as a workbook (the one `kuznia export excel` writes and people fill in) ---

REGISTRY_WORKBOOK = "/registry/workbook"


@settings_router.get(
    REGISTRY_WORKBOOK,
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "The registry as a workbook."}},
    summary="The registry as the Excel workbook people fill in (planners and auditors)",
)
def get_registry_workbook(session: SessionDep, scope: ScopeDep) -> Response:
    content = exchange.registry_workbook(session=session, scope=scope)
    return Response(
        content,
        media_type=XLSX,
        headers={
            "Content-Disposition": 'attachment; filename="registry.xlsx"',
            "Cache-Control": "no-store",
        },
    )


@settings_router.put(
    REGISTRY_WORKBOOK,
    response_model=exchange.WorkbookImported,
    summary="Replace the registry with an uploaded workbook, all or nothing (planners)",
    description=(
        "The workbook as `GET /registry/workbook` writes it, uploaded as the multipart field "
        "`workbook` (at most `KUZNIA_MAX_UPLOAD_BYTES`, else 413). A workbook that cannot be "
        "read or breaks the format is refused with 422 and nothing is written: each problem "
        "names its cell, e.g. `Lines!D7 (capacity)`, its sheet, or `workbook`."
    ),
)
def put_registry_workbook(
    session: SessionDep,
    scope: ScopeDep,
    workbook: Annotated[UploadFile, File(description="The registry workbook (.xlsx).")],
) -> exchange.WorkbookImported:
    content = workbook.file.read()
    try:
        report = exchange.import_registry_workbook(session=session, scope=scope, content=content)
    except exchange.WorkbookRefused as refused:
        raise refused.invalid_input() from None
    return exchange.WorkbookImported(
        counts=report.counts, unlinked_organisations=report.unlinked_organisations
    )
