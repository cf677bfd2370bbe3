"""Alternating rounds of load: the plan, the routes under load, and two ways of serving a route compared round by
round, as a median ratio with its spread."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .common import median, progress
from .load import Load


@dataclass(frozen=True)
class LoadPlan:
    """How hard and how long each server is loaded."""

    seconds: int
    warm_up_seconds: int
    rounds: int
    connections: int
    workers: int
    threads: dict[str, int]
    seeded_items: int
    log_levels: tuple[str, ...]
    classic_log_levels: tuple[str, ...]
    """The log levels at which the classic servers (uvicorn, gunicorn) are compared, a subset of ``log_levels``."""
    classic_routes: tuple[str, ...]
    """The keys of the routes compared under the classic servers (every route answers the same-answer check)."""
    accounts_servers: tuple[str, ...]
    """The ``server`` answers under which the authenticated read is compared: ``granian``, ``classic``."""
    io_connections: tuple[int, ...]
    io_workers: int
    io_flask_threads: tuple[int, ...]
    starts: int
    """How often each server is started for its first answer (after one start that is not counted, with warm-ups)."""


@dataclass(frozen=True)
class Route:
    """A route under load, and the least ratio to the bare app it should reach at WARNING and at INFO, if any."""

    key: str
    label: str
    script: str
    target: float
    info_target: float | None = None


LIST_LIMIT = 20
"""The page size of the item list under load."""
LIST_PAGES = 50
"""The list reads one of the first pages at random: a client pages from the start, and a deep offset would put
PostgreSQL's scan of the skipped rows above what both apps' code costs."""


def list_pages(plan: LoadPlan) -> int:
    """How many of the list's first pages the load reads from: ``LIST_PAGES``, or fewer if fewer items are seeded."""
    return max(1, min(LIST_PAGES, plan.seeded_items // LIST_LIMIT))


ROUTES = (
    Route("live", "GET /health/live", "get.lua", 0.90, info_target=0.80),
    Route("read", "GET /api/v1/items/{id}", "read_item.lua", 0.85),
    Route("list", f"GET /api/v1/items?limit={LIST_LIMIT}&offset={{n}}", "list_items.lua", 0.85),
    Route("create", "POST /api/v1/items", "create_item.lua", 0.80),
)
READ = ROUTES[1]
CREATE = ROUTES[3]


@dataclass
class Paired:
    """One framework's route at one log level on one server, served two ways that differ in one respect: the first
    (the generated app as it is) against the second (the bare app, or the generated one without the feature
    measured), with the least ratio of their throughputs that the first should reach, if any.

    ``first[i]`` and ``second[i]`` are round ``i``'s loads, taken one right after the other, so their ratio is the
    round's; the pair's ratio is the median of the rounds' ratios, and its spread their least and greatest."""

    framework: str
    server: str
    log_level: str
    route: Route
    target: float | None
    first: list[Load] = field(default_factory=list)
    second: list[Load] = field(default_factory=list)

    @property
    def round_ratios(self) -> list[float]:
        return [first.rps / second.rps for first, second in zip(self.first, self.second, strict=True)]

    @property
    def ratio(self) -> float:
        return median(self.round_ratios)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.round_ratios), max(self.round_ratios)

    @property
    def below_target(self) -> bool:
        return self.target is not None and self.ratio < self.target

    @property
    def shown_ratio(self) -> str:
        """The median ratio to two decimals, or to as many more as it takes for a ratio below its target not to be
        shown reaching it (0.7987 against 0.80 is 0.799)."""
        for decimals in range(2, 6):
            shown = f"{self.ratio:.{decimals}f}"
            if not (self.below_target and self.target is not None and float(shown) >= self.target):
                break
        return shown

    @property
    def verdict(self) -> str:
        """Whether the median ratio holds its target on this run: ``meets``, ``below`` or ``no target``."""
        return "no target" if self.target is None else "below" if self.below_target else "meets"


def alternate(runs: Sequence[tuple[Callable[[int], Load], list[Load]]], plan: LoadPlan) -> None:
    """Warm each run up, then load them in turn for the plan's rounds, the order reversed every other round (AB, BA,
    ...); each run is a load for a number of seconds and the list its results go to."""
    for load, _ in runs if plan.warm_up_seconds else ():
        load(plan.warm_up_seconds)
    for round_index in range(plan.rounds):
        for load, loads in runs if round_index % 2 == 0 else reversed(runs):
            loads.append(load(plan.seconds))


def rps(loads: list[Load]) -> float:
    return median([load.rps for load in loads])


def p50(loads: list[Load]) -> float:
    return median([load.p50_ms for load in loads])


def p99(loads: list[Load]) -> float:
    return median([load.p99_ms for load in loads])


def announce(pair: Paired) -> None:
    """A progress line with the pair's ratio, its spread and its verdict, as soon as it is measured."""
    low, high = pair.spread
    target = "" if pair.target is None else f" {pair.target:.2f}"
    progress(f"  ratio {pair.shown_ratio} ({low:.2f}-{high:.2f}) over {len(pair.first)} rounds: {pair.verdict}{target}")
