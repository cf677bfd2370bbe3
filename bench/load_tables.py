"""The tables of the parts under load: each ratio with its spread and target, every target side by side on every
server, the paired comparisons, the I/O-bound route and memory."""

from .common import FRAMEWORK_NAMES
from .rate_limits import CALLERS
from .results import Results, markdown_table
from .rounds import ROUTES, Paired, p50, p99, rps


def server_label(pair: Paired) -> str:
    return f"{FRAMEWORK_NAMES[pair.framework]}, {pair.server}"


def ratio_range(pair: Paired) -> str:
    """The median of the rounds' ratios, and their least and greatest: ``0.72 (0.69-0.75)``."""
    low, high = pair.spread
    return f"{pair.shown_ratio} ({low:.2f}-{high:.2f})"


def verdict(pair: Paired) -> str:
    """``meets``, ``**below**`` (in bold, as the report marks a target missed) or ``no target``."""
    return "**below**" if pair.below_target else pair.verdict


def target_cell(pair: Paired) -> str:
    return verdict(pair) if pair.target is None else f"{verdict(pair)} {pair.target:.2f}"


def latencies(loads: Paired, first: bool) -> str:
    chosen = loads.first if first else loads.second
    return f"{p50(chosen):.1f} / {p99(chosen):.1f}"


def ratio_table(results: Results) -> list[str]:
    """Every route of every generated app against its bare app: throughputs, ratio with spread, target, latency."""
    return paired_table(results.comparisons, "Generated", "Bare", by_route=True)


def targets(results: Results) -> list[tuple[str, list[Paired]]]:
    """Each target, named, and the pairs measured against it: the routes at each log level that has a target, the
    authenticated read, the measured read, the keyed create and the items list page."""
    named: dict[str, list[Paired]] = {}
    for pair in results.comparisons:
        if pair.target is not None:
            named.setdefault(f"{pair.route.label} at {pair.log_level}: {pair.target:.2f} of bare", []).append(pair)
    for what, against, pairs in (
        ("Authenticated read", "the open read", results.authenticated),
        ("Read with metrics", "the read without", results.metrics),
        ("Read with rate limits", "the read without", results.rate_limits),
        (f"Read with rate limits from {CALLERS:,} callers", "the read without", results.rate_limits_callers),
        ("Create with an Idempotency-Key", "the create without", results.idempotency),
        ("Items list page", "the JSON list", results.pages),
    ):
        for pair in pairs:
            named.setdefault(f"{what} at {pair.log_level}: {pair.target:.2f} of {against}", []).append(pair)
    return list(named.items())


def targets_table(results: Results) -> list[str]:
    """One line per target, one column per framework and server: the ratio, its spread, and whether it holds."""
    rows_by_target = targets(results)
    if not rows_by_target:
        return []
    every = [pair for _, pairs in rows_by_target for pair in pairs]
    columns = list(dict.fromkeys(server_label(pair) for pair in every))
    rows = []
    for name, pairs in rows_by_target:
        cells = {server_label(pair): f"{ratio_range(pair)} {verdict(pair)}" for pair in pairs}
        rows.append([name, *(cells.get(column, "not measured") for column in columns)])
    held = sum(not pair.below_target for pair in every)
    within = sum(pair.below_target and pair.target is not None and pair.spread[1] >= pair.target for pair in every)
    return [
        *markdown_table(["Target", *columns], rows),
        "",
        f"On this run {held} of {len(every)} figures meet their target: the median of the rounds' ratios, beside the"
        f" least and greatest round. Of the {len(every) - held} below it, {within} reached it in at least one round.",
    ]


def paired_table(pairs: list[Paired], first: str, second: str, *, by_route: bool = False) -> list[str]:
    """A route served two ways, per framework and server (and route, if ``by_route``): each way's throughput and
    latency, their ratio with its spread, and the target."""
    if not pairs:
        return []
    rows = [
        [
            FRAMEWORK_NAMES[pair.framework],
            pair.server,
            *([pair.route.label] if by_route else []),
            pair.log_level,
            f"{rps(pair.first):,.0f}",
            f"{rps(pair.second):,.0f}",
            ratio_range(pair),
            target_cell(pair),
            latencies(pair, first=True),
            latencies(pair, first=False),
        ]
        for pair in pairs
    ]
    header = [
        "Framework",
        "Server",
        *(["Route"] if by_route else []),
        "Log level",
        f"{first} rps",
        f"{second} rps",
        "Ratio (range)",
        "Target",
        f"{first} p50 / p99 ms",
        f"{second} p50 / p99 ms",
    ]
    return markdown_table(header, rows)


def paired_summary(pairs: list[Paired], what: str) -> list[str]:
    """Whether every framework's ``what`` meets its target, and where to read why not."""
    if not pairs:
        return []
    below = [pair for pair in pairs if pair.below_target]
    if not below:
        return [f"Every {what} meets its target of {pairs[0].target:.2f}."]
    return [
        f"Below the target of {pairs[0].target:.2f}: "
        + "; ".join(f"{server_label(pair)} ({pair.shown_ratio})" for pair in below)
        + f". The notes at the end say what the {what} costs."
    ]


def authenticated_lines(results: Results) -> list[str]:
    pairs = results.authenticated
    return [*paired_table(pairs, "Authenticated", "Open"), "", *paired_summary(pairs, "authenticated read")]


def metrics_lines(results: Results) -> list[str]:
    pairs = results.metrics
    return [*paired_table(pairs, "With metrics", "Without"), "", *paired_summary(pairs, "measured read")]


def rate_limit_lines(results: Results) -> list[str]:
    pairs, callers = results.rate_limits, results.rate_limits_callers
    return [
        *paired_table(pairs, "With limits", "Without"),
        "",
        *paired_summary(pairs, "limited read"),
        *(["", f"From {CALLERS:,} callers:", "", *paired_table(callers, "With limits", "Without")] if callers else []),
        *(["", *paired_summary(callers, f"limited read from {CALLERS:,} callers")] if callers else []),
    ]


def idempotency_lines(results: Results) -> list[str]:
    pairs = results.idempotency
    return [*paired_table(pairs, "With a key", "Without"), "", *paired_summary(pairs, "keyed create")]


def pages_lines(results: Results) -> list[str]:
    pairs = results.pages
    return [*paired_table(pairs, "Page", "JSON"), "", *paired_summary(pairs, "items list page")]


def framework_summary(results: Results) -> list[str]:
    """The generated FastAPI app's throughput against the generated Flask app's under granian, route by route."""
    level = results.plan.log_levels[0]
    lines = []
    for route in ROUTES:
        pair = {
            c.framework: rps(c.first)
            for c in results.comparisons
            if (c.route, c.log_level, c.server) == (route, level, "granian")
        }
        if len(pair) == 2:
            lines.append(
                f"- {route.label}: FastAPI {pair['fastapi']:,.0f} rps, Flask {pair['flask']:,.0f} rps"
                f" (Flask/FastAPI {pair['flask'] / pair['fastapi']:.2f})."
            )
    return lines


def io_table(results: Results) -> list[str]:
    if not results.io:
        return []
    fastest = {
        result.connections: max(rps(r.loads) for r in results.io if r.connections == result.connections)
        for result in results.io
    }
    rows = [
        [
            result.label,
            str(result.connections),
            f"{rps(result.loads):,.0f}",
            f"{min(load.rps for load in result.loads):,.0f}-{max(load.rps for load in result.loads):,.0f}",
            f"{rps(result.loads) / fastest[result.connections]:.2f}",
            f"{p50(result.loads):.1f}",
            f"{p99(result.loads):.1f}",
            str(sum(load.timeouts for load in result.loads)),
        ]
        for result in sorted(results.io, key=lambda r: (r.connections, r.framework, r.threads))
    ]
    header = ["Server", "Connections", "rps", "rps range", "Of the fastest", "p50 ms", "p99 ms", "Timeouts"]
    return markdown_table(header, rows)


def io_summary(results: Results) -> list[str]:
    """One sentence per number of connections: each Flask configuration's throughput as a multiple of FastAPI's."""
    lines = []
    for connections in dict.fromkeys(result.connections for result in results.io):
        level = [result for result in results.io if result.connections == connections]
        fastapi = next(result for result in level if result.framework == "fastapi")
        others = [
            f"{result.label}: {rps(result.loads) / rps(fastapi.loads):.2f}x that"
            f" (p99 {p99(result.loads):.0f} ms against {p99(fastapi.loads):.0f} ms)"
            for result in level
            if result is not fastapi
        ]
        lines.append(
            f"- At {connections} connections, FastAPI serves {rps(fastapi.loads):,.0f} rps; " + "; ".join(others) + "."
        )
    return lines


def memory_table(results: Results) -> list[str]:
    if not results.memory:
        return []
    rows = [[memory.label, ", ".join(f"{rss:.0f}" for rss in memory.rss_mib)] for memory in results.memory]
    return markdown_table(["Server, after its load", "RSS per worker (MiB)"], rows)
