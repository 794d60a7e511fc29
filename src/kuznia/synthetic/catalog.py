"""The illustrative catalogue behind the synthetic instances: categories, items, funds.

Every name here is invented and every price is an illustrative order of magnitude for
its kind of product (a 155 mm round costs thousands of dollars, an FPV drone hundreds,
an armoured vehicle millions); none is a real product, company, place or contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kuznia.instance.schema import FundKind, Ownership


@dataclass(frozen=True)
class CategorySpec:
    """How one category of items behaves in the synthetic industry.

    `capacity_share` is the category's share of the industry's capacity value (USD/month at
    full ramp), `line_share` its share of the lines; a line ramps with probability
    `ramp_share`, by a factor drawn from `ramp_factor` over 10-12 months.
    """

    name: str
    unit: str
    capacity_share: float
    line_share: float
    ramp_share: float
    ramp_factor: tuple[float, float]
    lead_time: tuple[int, int]


@dataclass(frozen=True)
class ItemSpec:
    """An item of the catalogue with its reference unit price (USD) and weights.

    `weight` is the item's share within its category (of lines, capacity and need);
    `foreign_share` the share of its need that foreign supply is expected to cover.
    """

    id: str
    name: str
    category: str
    price: float
    weight: float = 1.0
    foreign_share: float = 0.0


@dataclass(frozen=True)
class FundSpec:
    """A fund template; its budget is `share` of the state budget in each year it runs.

    `years` are offsets from the first year of the horizon; a year not listed gets no money.
    `vetted_share` > 0 restricts the fund to that share of the producers otherwise eligible
    (a list of producers checked by the partner, as in the "Danish model").
    """

    id: str
    name: str
    kind: FundKind
    share: float
    years: tuple[int, ...] = (0, 1, 2)
    categories: tuple[str, ...] = ()
    ownership: tuple[Ownership, ...] = ()
    region_share: float = 0.0
    vetted_share: float = 0.0
    expansions: bool = True


# Capacity shares are calibrated so drones come out near the stated ~4 million a year and
# artillery ammunition near 2-3 million rounds a year in the national instance.
CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("artillery_ammunition", "rounds", 0.24, 0.14, 0.40, (10.0, 20.0), (0, 2)),
    CategorySpec("mortar_ammunition", "rounds", 0.07, 0.08, 0.30, (5.0, 12.0), (0, 2)),
    CategorySpec("fpv_drones", "pcs", 0.07, 0.22, 0.35, (5.0, 15.0), (0, 1)),
    CategorySpec("reconnaissance_drones", "pcs", 0.04, 0.11, 0.25, (5.0, 10.0), (0, 2)),
    CategorySpec("long_range_strike_drones", "pcs", 0.11, 0.05, 0.35, (5.0, 12.0), (1, 3)),
    CategorySpec("armoured_vehicles", "vehicles", 0.11, 0.05, 0.40, (5.0, 6.0), (2, 6)),
    CategorySpec("artillery_systems", "systems", 0.09, 0.04, 0.25, (5.0, 8.0), (3, 6)),
    CategorySpec("electronic_warfare", "systems", 0.06, 0.09, 0.20, (5.0, 8.0), (1, 3)),
    CategorySpec("counter_drone", "systems", 0.07, 0.10, 0.30, (5.0, 10.0), (0, 2)),
    CategorySpec("missiles", "pcs", 0.10, 0.03, 0.25, (5.0, 8.0), (3, 6)),
    CategorySpec("naval_drones", "pcs", 0.02, 0.02, 0.20, (5.0, 8.0), (1, 4)),
    CategorySpec("ground_robots", "pcs", 0.02, 0.07, 0.35, (5.0, 12.0), (0, 2)),
)

CATEGORY_BY_NAME: dict[str, CategorySpec] = {category.name: category for category in CATEGORIES}

# The first item of each category is its flagship (used alone by the `small` size).
ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec("art-155-he", "155 mm HE round", "artillery_ammunition", 3_000, 1.0, 0.35),
    ItemSpec("art-155-er", "155 mm extended-range round", "artillery_ammunition", 4_500, 0.4, 0.2),
    ItemSpec("art-155-smk", "155 mm smoke round", "artillery_ammunition", 2_800, 0.2, 0.2),
    ItemSpec("art-152-he", "152 mm HE round", "artillery_ammunition", 2_500, 0.7, 0.1),
    ItemSpec("art-122-he", "122 mm HE round", "artillery_ammunition", 1_500, 0.6, 0.1),
    ItemSpec("art-122-mlrs", "122 mm MLRS rocket", "artillery_ammunition", 3_500, 0.5, 0.15),
    ItemSpec("art-105-he", "105 mm HE round", "artillery_ammunition", 1_200, 0.3, 0.4),
    ItemSpec("art-chg", "155 mm modular propellant charge", "artillery_ammunition", 700, 0.4),
    ItemSpec("mor-120-he", "120 mm mortar bomb", "mortar_ammunition", 900, 1.0, 0.15),
    ItemSpec("mor-82-he", "82 mm mortar bomb", "mortar_ammunition", 350, 0.8, 0.1),
    ItemSpec("mor-60-he", "60 mm mortar bomb", "mortar_ammunition", 200, 0.4, 0.2),
    ItemSpec("mor-120-smk", "120 mm smoke bomb", "mortar_ammunition", 800, 0.2),
    ItemSpec("fpv-7", "7-inch FPV strike drone", "fpv_drones", 400, 1.0),
    ItemSpec("fpv-10", "10-inch FPV strike drone", "fpv_drones", 550, 0.8),
    ItemSpec("fpv-fibre", "fibre-optic FPV drone", "fpv_drones", 900, 0.5),
    ItemSpec("fpv-night", "night-vision FPV drone", "fpv_drones", 700, 0.4),
    ItemSpec("fpv-kit", "FPV drone assembly kit", "fpv_drones", 250, 0.3),
    ItemSpec("rec-quad", "small reconnaissance quadcopter", "reconnaissance_drones", 2_000, 1.0),
    ItemSpec(
        "rec-fw-s", "fixed-wing recon drone, short range", "reconnaissance_drones", 40_000, 0.6
    ),
    ItemSpec(
        "rec-fw-l", "fixed-wing recon drone, long range", "reconnaissance_drones", 150_000, 0.3
    ),
    ItemSpec("rec-vtol", "VTOL reconnaissance drone", "reconnaissance_drones", 120_000, 0.3),
    ItemSpec("rec-tether", "tethered observation drone", "reconnaissance_drones", 25_000, 0.2),
    ItemSpec("lrs-700", "strike drone, 700 km class", "long_range_strike_drones", 120_000, 1.0),
    ItemSpec("lrs-300", "strike drone, 300 km class", "long_range_strike_drones", 60_000, 0.6),
    ItemSpec("lrs-1000", "strike drone, 1,000 km class", "long_range_strike_drones", 200_000, 0.6),
    ItemSpec("lrs-jet", "jet-powered strike drone", "long_range_strike_drones", 400_000, 0.3),
    ItemSpec("lrs-decoy", "decoy drone", "long_range_strike_drones", 20_000, 0.4),
    ItemSpec("av-apc", "wheeled armoured personnel carrier", "armoured_vehicles", 1.2e6, 1.0, 0.3),
    ItemSpec("av-mrap", "protected mobility vehicle", "armoured_vehicles", 0.8e6, 0.8, 0.4),
    ItemSpec("av-ifv", "infantry fighting vehicle", "armoured_vehicles", 2.5e6, 0.5, 0.4),
    ItemSpec("av-arv", "armoured recovery vehicle", "armoured_vehicles", 1.8e6, 0.2, 0.2),
    ItemSpec("av-mbt-oh", "main battle tank overhaul", "armoured_vehicles", 1.5e6, 0.4, 0.2),
    ItemSpec("av-medevac", "armoured medical evacuation vehicle", "armoured_vehicles", 1.0e6, 0.3),
    ItemSpec(
        "as-155-sp", "155 mm wheeled self-propelled howitzer", "artillery_systems", 3.5e6, 1.0, 0.4
    ),
    ItemSpec(
        "as-122-mlrs", "122 mm multiple rocket launcher", "artillery_systems", 2.0e6, 0.5, 0.2
    ),
    ItemSpec("as-120-sp", "self-propelled 120 mm mortar", "artillery_systems", 0.8e6, 0.4, 0.1),
    ItemSpec("as-155-tow", "towed 155 mm howitzer", "artillery_systems", 1.5e6, 0.3, 0.4),
    ItemSpec("as-barrel", "155 mm replacement barrel", "artillery_systems", 0.15e6, 0.5, 0.3),
    ItemSpec("ew-trench", "portable drone-signal jammer", "electronic_warfare", 2_000, 1.0),
    ItemSpec("ew-vehicle", "vehicle-mounted jamming system", "electronic_warfare", 60_000, 0.7),
    ItemSpec("ew-complex", "mobile electronic-warfare complex", "electronic_warfare", 1.2e6, 0.3),
    ItemSpec("ew-df", "radio direction-finding station", "electronic_warfare", 250_000, 0.3),
    ItemSpec(
        "ew-gnss", "satellite-navigation spoofing station", "electronic_warfare", 150_000, 0.3
    ),
    ItemSpec("cd-interceptor", "interceptor drone", "counter_drone", 5_000, 1.0, 0.1),
    ItemSpec("cd-detector", "portable drone detector", "counter_drone", 3_000, 0.6),
    ItemSpec("cd-acoustic", "acoustic sensor node", "counter_drone", 10_000, 0.3),
    ItemSpec(
        "cd-firegroup", "mobile air-defence fire group kit", "counter_drone", 150_000, 0.4, 0.3
    ),
    ItemSpec("cd-radar", "short-range air-surveillance radar", "counter_drone", 400_000, 0.3, 0.4),
    ItemSpec("mis-cruise", "ground-launched cruise missile", "missiles", 1.5e6, 1.0, 0.3),
    ItemSpec("mis-ballistic", "short-range ballistic missile", "missiles", 2.0e6, 0.5, 0.3),
    ItemSpec("mis-antiship", "anti-ship missile", "missiles", 1.2e6, 0.3, 0.2),
    ItemSpec("mis-sam", "short-range surface-to-air missile", "missiles", 0.5e6, 0.8, 0.6),
    ItemSpec("mis-jetdrone", "missile-drone", "missiles", 0.7e6, 0.5),
    ItemSpec("nav-usv", "uncrewed surface vessel", "naval_drones", 250_000, 1.0),
    ItemSpec("nav-usv-l", "large uncrewed surface vessel", "naval_drones", 500_000, 0.4),
    ItemSpec("nav-uuv", "uncrewed underwater vehicle", "naval_drones", 700_000, 0.2),
    ItemSpec("ugv-cargo", "logistics ground robot", "ground_robots", 20_000, 1.0),
    ItemSpec("ugv-armed", "armed ground robot", "ground_robots", 60_000, 0.5),
    ItemSpec("ugv-evac", "evacuation ground robot", "ground_robots", 25_000, 0.6),
    ItemSpec("ugv-mine", "mine-laying ground robot", "ground_robots", 40_000, 0.3),
)

# Countries that partner in joint ventures (ISO 3166 alpha-2 codes only, no companies).
PARTNER_COUNTRIES: tuple[str, ...] = (
    "DK", "CA", "DE", "NL", "SE", "NO", "GB", "FR", "PL", "CZ", "TR", "US", "FI", "LT",
)  # fmt: skip

# The state budget comes first; partner shares are of the state budget of the same year.
FUNDS: tuple[FundSpec, ...] = (
    FundSpec("state-budget", "State budget: domestic procurement", "state", 1.0),
    FundSpec(
        "partner-dk",
        "Partner programme DK: direct funding of vetted producers",
        "partner",
        0.08,
        categories=(
            "artillery_systems",
            "artillery_ammunition",
            "long_range_strike_drones",
            "armoured_vehicles",
        ),
        ownership=("private", "joint_venture"),
        vetted_share=0.35,
    ),
    FundSpec(
        "partner-ca",
        "Partner programme CA",
        "partner",
        0.04,
        years=(0, 1),
        categories=("armoured_vehicles", "reconnaissance_drones", "fpv_drones"),
        ownership=("private",),
    ),
    FundSpec(
        "partner-de",
        "Partner programme DE",
        "partner",
        0.05,
        categories=("electronic_warfare", "counter_drone", "reconnaissance_drones"),
        region_share=0.35,
    ),
    FundSpec(
        "partner-nl",
        "Partner programme NL",
        "partner",
        0.04,
        categories=(
            "fpv_drones",
            "reconnaissance_drones",
            "long_range_strike_drones",
            "counter_drone",
        ),
        expansions=False,
    ),
    FundSpec(
        "partner-se",
        "Partner programme SE",
        "partner",
        0.03,
        years=(1, 2),
        categories=("armoured_vehicles", "artillery_systems"),
        ownership=("state", "joint_venture"),
    ),
    FundSpec(
        "partner-no",
        "Partner programme NO",
        "partner",
        0.04,
        categories=("counter_drone", "missiles", "electronic_warfare"),
        expansions=False,
    ),
    FundSpec(
        "partner-gb",
        "Partner programme GB",
        "partner",
        0.05,
        years=(0, 1),
        categories=("naval_drones", "long_range_strike_drones", "missiles", "ground_robots"),
    ),
    FundSpec(
        "eu-instrument",
        "EU instrument for defence production",
        "eu",
        0.12,
        categories=("artillery_ammunition", "mortar_ammunition", "missiles"),
    ),
    FundSpec(
        "jv-own",
        "Joint ventures' own funds",
        "jv",
        0.02,
        ownership=("joint_venture",),
    ),
)

FUND_BY_ID: dict[str, FundSpec] = {fund.id: fund for fund in FUNDS}


@dataclass(frozen=True)
class SizeSpec:
    """The dimensions of one synthetic size; money and quantities follow from `capacity_value`.

    `capacity_value` is the industry's capacity value at full ramp, USD per month.
    """

    name: str
    producers: int
    lines: int
    regions: int
    groupings: int
    months: int
    capacity_value: float
    items: tuple[str, ...] = field(default_factory=tuple)
    funds: tuple[str, ...] = field(default_factory=tuple)
    commitments: int = 1
    tiers: int = 3
    max_lines_per_producer: int = 8
    coastal_groupings: int = 1
