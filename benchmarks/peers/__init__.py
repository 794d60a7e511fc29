"""Peer formulations of the planning model, for the benchmark: Pyomo and PuLP, both on HiGHS.

The same lexicographic model as `kuznia.planning`, written the way an analyst would with a
modelling library (loops, dicts, indexed components), so build time, solve time and objective
values can be compared with the vectorised planner. Each peer module has
`solve(instance, *, mode="lp", time_limit=None) -> PeerResult`.
"""

from .common import PeerResult, prepare

__all__ = ["PeerResult", "prepare"]
