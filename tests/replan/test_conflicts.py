"""An infeasible re-plan names the constraints that really conflict, and only those."""

from __future__ import annotations

from kuznia.instance import parse_instance
from kuznia.planning import plan
from kuznia.replan import Actuals, Guaranteed, Scheduled, roll_forward

# Eight months from 2026-09: shells from l1 (100 a month at 10), drones from l2 (50 a month at
# 20), needs every month, one fund.
BASE = {
    "name": "late",
    "start": "2026-09",
    "months": 8,
    "items": [
        {"id": "shell", "name": "Shell", "category": "ammo"},
        {"id": "fpv", "name": "Drone", "category": "drones"},
    ],
    "producers": [{"id": "p1", "name": "Works", "ownership": "state", "region": "r-1"}],
    "lines": [
        {"id": "l1", "producer": "p1", "item": "shell", "capacity": 100, "price": 10},
        {"id": "l2", "producer": "p1", "item": "fpv", "capacity": 50, "price": 20},
    ],
    "groupings": [{"id": "g"}],
    "needs": [
        {"item": item, "grouping": "g", "month": m, "quantity": 40, "operation": "defensive"}
        for m in range(8)
        for item in ("shell", "fpv")
    ],
    "funds": [{"id": "state", "budget": {"2026": 1000000, "2027": 1000000}}],
}
# l1 owes 130 a month from September and nothing was accepted; l2 is on time; a guarantee of
# 450 shells of l1 over 2027-01..04.
CONTRACTS = [
    Scheduled(line="l1", months={f"2026-{m:02d}": 130 for m in range(9, 13)}),
    Scheduled(line="l2", months={f"2026-{m:02d}": 40 for m in range(9, 13)}, accepted=120),
]
GUARANTEE = Guaranteed(line="l1", quantity=450, start="2027-01", end="2027-04")


def test_arrears_beyond_capacity_and_a_window_beyond_it_are_the_two_conflicts_named() -> None:
    # From 2026-12 (five months left, 100 a month): l1 owes 3 x 130 + December's 130 = 520.
    # Moved forward month by month it fills December..April (500) and 20 are left, which stay
    # where they were due: 120 in December, above its capacity (conflict 1). The guarantee
    # wants 450 of l1 over January..April, where it can make 400 (conflict 2). l2's 40 in
    # December (160 due, 120 accepted) and every other month conflict with nothing.
    rolled = roll_forward(
        parse_instance(BASE),
        Actuals(start="2026-12", contracts=CONTRACTS, guarantees=[GUARANTEE]),
    )
    assert [(c.line, c.month, c.from_, c.to, c.quantity) for c in rolled.commitments] == [
        ("l1", 0, None, None, 120),
        ("l1", 1, None, None, 100),
        ("l1", 2, None, None, 100),
        ("l1", 3, None, None, 100),
        ("l1", 4, None, None, 100),
        ("l2", 0, None, None, 40),
        ("l1", None, 1, 4, 450),
    ]

    result = plan(rolled)

    assert result.status.value == "infeasible"
    assert result.conflicts == [
        "commitments[line=l1, month=0]: 120 committed, above the line's capacity 100 in that month",
        "commitments[6]: line l1 must deliver 450 over 2027-01..2027-04 but only 400 can be "
        "delivered and paid for",
    ]


def test_a_window_the_budget_cannot_pay_is_named_and_no_commitment_beside_it() -> None:
    # Without l1's contract: December holds only l2's 40 x 20 = 800 (2026's budget is 2,000);
    # the guarantee's 450 shells over 2027 cost 4,500 against 2027's 500, which pays for 50:
    # the window is named with what can be paid for, and nothing else is.
    document = BASE | {"funds": [{"id": "state", "budget": {"2026": 2000, "2027": 500}}]}
    rolled = roll_forward(
        parse_instance(document),
        Actuals(start="2026-12", contracts=CONTRACTS[1:], guarantees=[GUARANTEE]),
    )

    result = plan(rolled)

    assert result.status.value == "infeasible"
    assert result.conflicts == [
        "commitments[1]: line l1 must deliver 450 over 2027-01..2027-04 but only 50 can be "
        "delivered and paid for"
    ]
