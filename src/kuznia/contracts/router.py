"""`/api/v1/plan-runs/{run_id}/approve`, `/api/v1/contracts` and `/api/v1/guarantees`: approve a
plan into contracts and guarantees, sign, amend, complete and terminate them, read them."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request, status

from kuznia.auth.dependencies import ScopeDep, SessionDep
from kuznia.contracts import publication, service
from kuznia.contracts.schemas import (
    AgreementFilters,
    AmendmentRequest,
    ApprovalRead,
    ApproveRequest,
    ContractRead,
    ContractVersionRead,
    DeliveryPointsUpdate,
    GuaranteeRead,
    TerminateRequest,
    VersionBody,
)
from kuznia.documents import OcdsReleasePackage
from kuznia.io.ocds import OcdsOptions, default_schema_dir
from kuznia.models import ContractStatus, GuaranteeStatus
from kuznia.pagination import MAX_DB_INT, Key, Page, PageParams, page_of, page_params

router = APIRouter(tags=["contracts"])
PageDep = Annotated[PageParams, Depends(page_params)]
Code = Annotated[str | None, Query(max_length=200)]
RunFilter = Annotated[
    int | None, Query(ge=1, le=MAX_DB_INT, description="Only those made from this plan run.")
]
VersionNumber = Annotated[
    int, Path(ge=1, le=MAX_DB_INT, description="The version's number (1 at approval).")
]


@router.post(
    "/plan-runs/{run_id}/approve",
    response_model=ApprovalRead,
    status_code=status.HTTP_201_CREATED,
    summary="Approve a finished plan run: draft contracts and purchase guarantees",
)
def approve_run(
    session: SessionDep,
    scope: ScopeDep,
    run_id: Key,
    body: Annotated[ApproveRequest, Body(default_factory=ApproveRequest)],
) -> ApprovalRead:
    return service.approve_run(
        session=session,
        scope=scope,
        run_id=run_id,
        firm_months=body.firm_months,
        guarantee_share=body.guarantee_share,
    )


@router.get("/contracts", response_model=Page[ContractRead], summary="List contracts")
def list_contracts(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    status: Annotated[ContractStatus | None, Query()] = None,
    producer: Code = None,
    item: Code = None,
    line: Code = None,
    plan_run_id: RunFilter = None,
    fund: Annotated[
        str | None, Query(max_length=200, description="Only those this fund pays a share of.")
    ] = None,
) -> Page[ContractRead]:
    filters = AgreementFilters(
        status=status, producer=producer, item=item, line=line, plan_run_id=plan_run_id, fund=fund
    )
    rows, total = service.list_contracts(session=session, scope=scope, filters=filters, page=page)
    return page_of(rows, total, page)


@router.get(
    "/contracts/{contract_id}",
    response_model=ContractRead,
    summary="A contract with its terms in force",
)
def get_contract(session: SessionDep, scope: ScopeDep, contract_id: Key) -> ContractRead:
    return service.read_contract(session=session, scope=scope, contract_id=contract_id)


@router.get(
    "/contracts/{contract_id}/versions",
    response_model=list[ContractVersionRead],
    summary="Every version of a contract's terms, oldest first",
)
def list_versions(
    session: SessionDep, scope: ScopeDep, contract_id: Key
) -> list[ContractVersionRead]:
    return service.contract_versions(session=session, scope=scope, contract_id=contract_id)


@router.get(
    "/contracts/{contract_id}/versions/{number}",
    response_model=ContractVersionRead,
    summary="One version of a contract's terms",
)
def get_version(
    session: SessionDep, scope: ScopeDep, contract_id: Key, number: VersionNumber
) -> ContractVersionRead:
    return service.contract_version(
        session=session, scope=scope, contract_id=contract_id, number=number
    )


@router.post(
    "/contracts/{contract_id}/sign", response_model=ContractRead, summary="Sign a draft contract"
)
def sign_contract(
    session: SessionDep, scope: ScopeDep, contract_id: Key, body: VersionBody
) -> ContractRead:
    contract = service.sign_contract(
        session=session, scope=scope, contract_id=contract_id, version=body.version
    )
    return service.read_contract(session=session, scope=scope, contract_id=contract.id)


@router.post(
    "/contracts/{contract_id}/complete",
    response_model=ContractRead,
    summary="Close a contract in delivery as completed",
)
def complete_contract(
    session: SessionDep, scope: ScopeDep, contract_id: Key, body: VersionBody
) -> ContractRead:
    contract = service.complete_contract(
        session=session, scope=scope, contract_id=contract_id, version=body.version
    )
    return service.read_contract(session=session, scope=scope, contract_id=contract.id)


@router.post(
    "/contracts/{contract_id}/terminate",
    response_model=ContractRead,
    summary="End a draft, signed or in-delivery contract early, with a reason",
)
def terminate_contract(
    session: SessionDep, scope: ScopeDep, contract_id: Key, body: TerminateRequest
) -> ContractRead:
    contract = service.terminate_contract(
        session=session,
        scope=scope,
        contract_id=contract_id,
        version=body.version,
        reason=body.reason,
    )
    return service.read_contract(session=session, scope=scope, contract_id=contract.id)


@router.post(
    "/contracts/{contract_id}/amendments",
    response_model=ContractRead,
    status_code=status.HTTP_201_CREATED,
    summary="Amend a contract: a new version of its terms, put in force",
)
def amend_contract(
    session: SessionDep, scope: ScopeDep, contract_id: Key, body: AmendmentRequest
) -> ContractRead:
    contract = service.amend_contract(
        session=session, scope=scope, contract_id=contract_id, body=body
    )
    return service.read_contract(session=session, scope=scope, contract_id=contract.id)


@router.put(
    "/contracts/{contract_id}/delivery-points",
    response_model=ContractRead,
    summary="Set the depots a contract is delivered to (a receipt elsewhere is refused)",
)
def put_contract_delivery_points(
    session: SessionDep, scope: ScopeDep, contract_id: Key, body: DeliveryPointsUpdate
) -> ContractRead:
    return service.set_contract_delivery_points(
        session=session, scope=scope, contract_id=contract_id, body=body
    )


@router.put(
    "/guarantees/{guarantee_id}/delivery-points",
    response_model=GuaranteeRead,
    summary="Set the depots a guarantee is delivered to",
)
def put_guarantee_delivery_points(
    session: SessionDep, scope: ScopeDep, guarantee_id: Key, body: DeliveryPointsUpdate
) -> GuaranteeRead:
    return service.set_guarantee_delivery_points(
        session=session, scope=scope, guarantee_id=guarantee_id, body=body
    )


@router.get("/guarantees", response_model=Page[GuaranteeRead], summary="List guarantees")
def list_guarantees(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    status: Annotated[GuaranteeStatus | None, Query()] = None,
    producer: Code = None,
    item: Code = None,
    line: Code = None,
    plan_run_id: RunFilter = None,
    fund: Annotated[
        str | None, Query(max_length=200, description="Only those this fund is to pay for.")
    ] = None,
) -> Page[GuaranteeRead]:
    filters = AgreementFilters(
        status=status, producer=producer, item=item, line=line, plan_run_id=plan_run_id, fund=fund
    )
    rows, total = service.list_guarantees(session=session, scope=scope, filters=filters, page=page)
    return page_of(rows, total, page)


@router.get("/guarantees/{guarantee_id}", response_model=GuaranteeRead, summary="A guarantee")
def get_guarantee(session: SessionDep, scope: ScopeDep, guarantee_id: Key) -> GuaranteeRead:
    return service.read_guarantee(session=session, scope=scope, guarantee_id=guarantee_id)


@router.post(
    "/guarantees/{guarantee_id}/sign",
    response_model=GuaranteeRead,
    summary="Sign a draft guarantee",
)
def sign_guarantee(
    session: SessionDep, scope: ScopeDep, guarantee_id: Key, body: VersionBody
) -> GuaranteeRead:
    return service.sign_guarantee(
        session=session, scope=scope, guarantee_id=guarantee_id, version=body.version
    )


@router.post(
    "/guarantees/{guarantee_id}/terminate",
    response_model=GuaranteeRead,
    summary="End a draft or signed guarantee, with a reason",
)
def terminate_guarantee(
    session: SessionDep, scope: ScopeDep, guarantee_id: Key, body: TerminateRequest
) -> GuaranteeRead:
    return service.terminate_guarantee(
        session=session,
        scope=scope,
        guarantee_id=guarantee_id,
        version=body.version,
        reason=body.reason,
    )


@router.get(
    "/ocds",
    response_model=OcdsReleasePackage,
    summary="The contracts and guarantees as an OCDS 1.1 release package (planners, auditors)",
    description=(
        "Every contract and purchase guarantee (those approved from `plan_run_id`, when "
        "given) as of now, as `kuznia export ocds` writes them: validated against the OCDS "
        "1.1 schema first (409 if it breaks it), with the same withholding. 404 when there "
        "is nothing to publish. Not scoped by organisation: planners and auditors only."
    ),
)
def get_ocds_package(
    request: Request, session: SessionDep, scope: ScopeDep, plan_run_id: RunFilter = None
) -> OcdsReleasePackage:
    settings = request.app.state.settings
    package = publication.published_package(
        session=session,
        scope=scope,
        options=OcdsOptions.from_settings(settings),
        schema_dir=settings.ocds_schema_dir or default_schema_dir(),
        as_of=datetime.now(UTC).replace(microsecond=0),
        plan_run_id=plan_run_id,
    )
    return OcdsReleasePackage(package)
