"""The planning core: arrays in, lexicographic HiGHS solve, explained plan out.

Imports numpy, scipy, highspy, pandas and the instance format; nothing of the web or database.

    >>> from kuznia.planning import plan, SolveOptions
    >>> result = plan(instance, options=SolveOptions(mode="lp"))
    >>> result.coverage_by("category")
"""

from kuznia.planning.inputs import PlanInput
from kuznia.planning.model import PlanningModel, SolveMode, build_model
from kuznia.planning.plan import plan
from kuznia.planning.results import PlanReport, PlanResult, Tier
from kuznia.planning.solve import SolveOptions, SolveStatus, StageReport

__all__ = [
    "PlanInput",
    "PlanReport",
    "PlanResult",
    "PlanningModel",
    "SolveMode",
    "SolveOptions",
    "SolveStatus",
    "StageReport",
    "Tier",
    "build_model",
    "plan",
]
