"""The `kuznia-instance/1` format: typed records, reading with every problem reported, writing.

See shared/INSTANCE.md for the contract.
"""

from kuznia.instance.errors import InstanceError, Problem
from kuznia.instance.io import (
    dump_instance,
    parse_instance,
    parse_stored,
    read_instance,
    write_instance,
)
from kuznia.instance.schema import (
    FORMAT,
    Commitment,
    Eligibility,
    Expansion,
    ForeignSupply,
    Fund,
    Grouping,
    Instance,
    Item,
    JointVenturePartner,
    Line,
    Need,
    OperationWeights,
    Producer,
    Stock,
)

__all__ = [
    "FORMAT",
    "Commitment",
    "Eligibility",
    "Expansion",
    "ForeignSupply",
    "Fund",
    "Grouping",
    "Instance",
    "InstanceError",
    "Item",
    "JointVenturePartner",
    "Line",
    "Need",
    "OperationWeights",
    "Problem",
    "Producer",
    "Stock",
    "dump_instance",
    "parse_instance",
    "parse_stored",
    "read_instance",
    "write_instance",
]
