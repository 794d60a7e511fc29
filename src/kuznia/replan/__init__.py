"""The rolling re-plan: the next instance from the registry and what actually happened.

- `rolling`: `roll_forward(instance, actuals)`, pure (no database), the rules of rolling on;
- `actuals`: the actual state of execution read from the database (depot stock, signed
  contracts and guarantees, dispatches, payments) and `next_instance`, which rolls the
  registry's instance forward with it (what `kuznia replan` plans).
"""

from kuznia.replan.actuals import Replan, next_instance, read_actuals
from kuznia.replan.rolling import (
    Actuals,
    Guaranteed,
    RollError,
    Scheduled,
    Taken,
    roll_forward,
)

__all__ = [
    "Actuals",
    "Guaranteed",
    "Replan",
    "RollError",
    "Scheduled",
    "Taken",
    "next_instance",
    "read_actuals",
    "roll_forward",
]
