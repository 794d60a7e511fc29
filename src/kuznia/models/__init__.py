"""ORM tables, one module per aggregate. Importing this package registers every table on
`kuznia.db.Base.metadata`, which the migrations are compared with."""

from kuznia.models.audit import AuditEvent, AuditHead
from kuznia.models.catalog import Item
from kuznia.models.execution import (
    CLOSED,
    IN_FORCE,
    OPEN_FOR_DELIVERY,
    Contract,
    ContractDelivery,
    ContractDeliveryPoint,
    ContractFunding,
    ContractStatus,
    ContractVersion,
    Depot,
    DepotStock,
    Dispatch,
    ForeignReceipt,
    Guarantee,
    GuaranteeDeliveryPoint,
    GuaranteeStatus,
    ProductionReport,
    Receipt,
)
from kuznia.models.finance import EligibilityRule, Fund, FundBudget, FundEligibility, FundKind
from kuznia.models.industry import Expansion, JointVenturePartner, Line, Ownership, Producer
from kuznia.models.jobs import Job
from kuznia.models.login_attempt import LoginAttempts
from kuznia.models.needs import Grouping, Need, Operation
from kuznia.models.opening import OpeningBalance
from kuznia.models.organisation import Organisation, OrganisationKind, organisation_funds
from kuznia.models.planning import (
    SETTINGS_ID,
    PlanningSettings,
    PlanRun,
    PlanRunAllocation,
    PlanRunDelivery,
    PlanRunExpansion,
    PlanRunPayment,
    PlanRunShortfall,
    PlanRunStatus,
    PlanRunTier,
)
from kuznia.models.supply import Commitment, ExportOrder, ForeignSupply, Stock
from kuznia.models.targets import Target
from kuznia.models.user import ApiToken, Role, User

__all__ = [
    "CLOSED",
    "IN_FORCE",
    "OPEN_FOR_DELIVERY",
    "SETTINGS_ID",
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "Commitment",
    "Contract",
    "ContractDelivery",
    "ContractDeliveryPoint",
    "ContractFunding",
    "ContractStatus",
    "ContractVersion",
    "Depot",
    "DepotStock",
    "Dispatch",
    "EligibilityRule",
    "Expansion",
    "ExportOrder",
    "ForeignReceipt",
    "ForeignSupply",
    "Fund",
    "FundBudget",
    "FundEligibility",
    "FundKind",
    "Grouping",
    "Guarantee",
    "GuaranteeDeliveryPoint",
    "GuaranteeStatus",
    "Item",
    "Job",
    "JointVenturePartner",
    "Line",
    "LoginAttempts",
    "Need",
    "OpeningBalance",
    "Operation",
    "Organisation",
    "OrganisationKind",
    "Ownership",
    "PlanRun",
    "PlanRunAllocation",
    "PlanRunDelivery",
    "PlanRunExpansion",
    "PlanRunPayment",
    "PlanRunShortfall",
    "PlanRunStatus",
    "PlanRunTier",
    "PlanningSettings",
    "Producer",
    "ProductionReport",
    "Receipt",
    "Role",
    "Stock",
    "Target",
    "User",
    "organisation_funds",
]
