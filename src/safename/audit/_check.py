"""Check one route: the witnesses that could slow it down, and how its cost grows."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Final

from safename.audit._count import STEP_BUDGET, Unsupported, vet_converter
from safename.errors import SafenameError

#: A route is slow when doubling the witness multiplies the counted steps by this much or
#: more: a linear matcher doubles them, a quadratic one multiplies them by four.
SUPERLINEAR_GROWTH: Final = 3.0
#: A timing below this is noise; timings are printed for information only.
MIN_SECONDS: Final = 0.005
#: The most repeats of the pump in a witness.
MAX_REPEATS: Final = 128
# The pump's repeats at which a witness is counted, doubling.
_REPEATS: Final = (16, 32, 64, MAX_REPEATS)

# Texts tried as the repeated part of a witness, besides the literals between variables.
_PUMPS: Final = ("a", "1", "-", ".", "a/", "1/", "a-")
# Texts tried after the repeats, to make the match fail only at the very end.
_BREAKERS: Final = ("y", "", "/", "!", "/y")
# Values tried for the variables before the pumped ones.
_SAMPLES: Final = ("a", "1", "1.0", "00000000-0000-0000-0000-000000000000")

#: A route as a sequence of literal texts and variable regexes (``None``, regex).
Pieces = Sequence[tuple[str | None, str]]
#: Runs the framework's matcher on a path; what it answers does not matter.
Probe = Callable[[str], object]
#: Counts the steps of the framework's regexes on a path; ``None`` when the budget ran out.
Counter = Callable[[str], "int | None"]


@dataclass(frozen=True)
class Measurement:
    """A witness path timed at two lengths.

    :ivar path: the witness at the longer length.
    :ivar lengths: the path's length in characters, shorter then longer.
    :ivar seconds: the time of one match at each length.
    :ivar shorter_path: the witness at the shorter length.
    :ivar steps: the counted steps of the framework's regexes at each length, the
        measure the verdict is decided on (``(0, 0)`` for a timing alone); a count
        that ran out of :data:`~safename.audit._count.STEP_BUDGET` is the budget plus one.
    """

    path: str
    lengths: tuple[int, int]
    seconds: tuple[float, float]
    shorter_path: str = ""
    steps: tuple[int, int] = (0, 0)

    @property
    def step_growth(self) -> float:
        """How many times the steps of the shorter path the longer took: 2 when linear."""
        return self.steps[1] / max(self.steps[0], 1)

    @property
    def growth(self) -> float:
        """How much longer the longer path took: 2 for a linear matcher, 4 for a quadratic one."""
        return self.seconds[1] / max(self.seconds[0], 1e-9)


@dataclass(frozen=True)
class RouteFinding:
    """What :func:`audit` found for one route.

    :ivar superlinear: the framework's matcher took time growing faster than
        linearly on the witness (``witness.growth >= SUPERLINEAR_GROWTH``).
    :ivar candidate: why the structure made the route a candidate, or ``""``.
    :ivar witness: the measurement on the framework's matcher, if one was made.
    :ivar with_safename: the same witness with safename's matcher (Flask only).
    :ivar safename_fixes: whether safename's matcher removes the problem: it
        reads every part of the route in linear time, by construction (``None``
        where it does not apply: no problem, or not Flask).
    :ivar protected: the app already matches with safename's matcher, which
        removes the problem: the route is not a finding (:attr:`exposed`).
    :ivar advice: what to change, for a flagged route.
    :ivar status: the verdict: ``"ok"``, ``"slow"`` (:attr:`superlinear`) or
        ``"unchecked"``: the route holds what the audit cannot model, and is not
        claimed safe.
    :ivar reason: why a route is ``unchecked``.
    :ivar location: ``file:line`` of the route's view, where it can be found.
    """

    framework: str
    route: str
    endpoint: str
    superlinear: bool
    candidate: str = ""
    witness: Measurement | None = None
    with_safename: Measurement | None = None
    safename_fixes: bool | None = None
    protected: bool = False
    advice: str = ""
    status: str = "ok"
    reason: str = ""
    location: str = ""

    def __post_init__(self) -> None:
        if self.superlinear and self.status == "ok":
            object.__setattr__(self, "status", "slow")

    @property
    def exposed(self) -> bool:
        """Whether the route is a finding: superlinear, and not protected by safename's matcher."""
        return self.superlinear and not self.protected

    def to_json(self) -> dict[str, Any]:
        """The finding as plain JSON data (``growth`` added to each measurement)."""
        data = asdict(self)
        for key in ("witness", "with_safename"):
            measured = getattr(self, key)
            if measured is not None:
                data[key]["growth"] = round(measured.growth, 2)
        return data


@dataclass(frozen=True)
class Route:
    """A route as :func:`check_route` reads it: its pieces and a probe of each matcher.

    :ivar pieces: the whole path, literal texts and variable regexes in order.
    :ivar probe: runs the framework's matcher on a path.
    :ivar safe_probe: runs safename's matcher on a path, where it applies.
    :ivar safename_linear: whether safename's matcher provably reads every
        part of the route in linear time (its NFA, or ``re`` on one variable of
        a built-in converter); ``None`` where it does not apply.
    :ivar protected: the app already matches with safename's matcher, which
        reads the route in linear time.
    :ivar advice: what to change if the route is flagged.
    :ivar counter: counts the steps of the framework's regexes on a path (``None``:
        the budget ran out), the deterministic measure of the verdict; without one
        the route is ``unchecked``.
    :ivar unchecked: why the route cannot be modelled (``""``: it can).
    :ivar location: ``file:line`` of the route's view.
    """

    framework: str
    text: str
    endpoint: str
    pieces: Pieces
    probe: Probe
    safe_probe: Probe | None = None
    safename_linear: bool | None = None
    protected: bool = False
    advice: str = ""
    counter: Counter | None = None
    unchecked: str = ""
    location: str = ""


class SlowRouteError(SafenameError):
    """A route whose matching time a URL can make grow faster than linearly.

    Raised by ``SafeName(app)`` with ``SAFENAME_AUDIT = "raise"`` and Werkzeug's matcher.

    :ivar finding: the :class:`RouteFinding`, with its witness.
    """

    def __init__(self, finding: RouteFinding) -> None:
        super().__init__(" ".join(report_lines([finding])[1:-1]).strip() or finding.route)
        self.finding = finding


def check_route(route: Route) -> RouteFinding:
    """The finding for one route: candidates by structure, the verdict by counted steps.

    Never raises for a route: what it cannot model is reported ``unchecked`` with the
    reason, never ``ok``. The verdict depends on counts, not on a clock, so the same
    route gives the same verdict on every run.
    """
    found = RouteFinding(
        route.framework, route.text, route.endpoint, False, location=route.location
    )
    reason = route.unchecked or _unmodelled(route)
    if reason:
        return replace(found, status="unchecked", reason=reason)
    try:
        return _decide(route, found, route.counter or _no_counter)
    except (Unsupported, RecursionError, ValueError, TypeError, LookupError) as error:
        # A framework's internals this version does not expect: say so, never crash.
        return replace(found, status="unchecked", reason=f"{type(error).__name__}: {error}")


def _no_counter(path: str) -> int | None:
    raise Unsupported("no model of this framework's matcher")


def _unmodelled(route: Route) -> str:
    if route.counter is None:
        return "no model of this framework's matcher"
    for text, regex in route.pieces:
        why = "" if text is not None else vet_converter(regex)
        if why:
            return f"converter regex {regex!r}: {why}"
    return ""


def _decide(route: Route, found: RouteFinding, counter: Counter) -> RouteFinding:
    def cost(family: tuple[str, Callable[[int], str]]) -> int:
        steps = counter(family[1](_REPEATS[0]))
        return STEP_BUDGET + 1 if steps is None else steps

    verdict = found
    # Pairs of variables first, the known shape; then each variable's own regex alone.
    for families, shown in ((_witnesses(route.pieces), True), (_alone(route.pieces), False)):
        candidates = list(families)
        if not candidates:
            continue
        # The costliest family at the shortest length; ties go to the first, every run alike.
        reason, witness = max(candidates, key=cost)
        measured, slow = _counted_growth(counter, route.probe, witness)
        if slow:
            return _slow(route, found, reason, measured)
        if shown:
            verdict = replace(found, candidate=reason, witness=measured)
    return verdict


def _slow(route: Route, found: RouteFinding, reason: str, measured: Measurement) -> RouteFinding:
    with_safename = None
    if route.safe_probe is not None:
        with_safename = measure(route.safe_probe, measured.shorter_path, measured.path)
    return replace(
        found,
        superlinear=True,
        status="slow",
        candidate=reason,
        witness=measured,
        with_safename=with_safename,
        # A guarantee by construction, not a timing: the measurement is shown, not trusted.
        safename_fixes=route.safename_linear,
        protected=route.protected,
        advice=route.advice,
    )


def _counted_growth(
    counter: Counter, probe: Probe, witness: Callable[[int], str]
) -> tuple[Measurement, bool]:
    """Count the witness at doubling lengths; superlinear if a doubling grew 3x or more.

    A count that runs out of the budget is superlinear too, at any length: the
    budget is hundreds of steps per character of the longest witness, far above
    what reading a path once costs, so only work that grows faster than the path
    reaches it (a route of five variables in one segment runs out while its first
    doublings still grow less than 3x, polynomial work of a high degree).
    """
    counts: list[int] = []
    for repeats in _REPEATS:
        steps = counter(witness(repeats))
        counts.append(STEP_BUDGET + 1 if steps is None else steps)
        if steps is None:
            break
    ran_out = counts[-1] > STEP_BUDGET
    if len(counts) == 1:  # out of budget at the first length: nothing to compare with
        shorter, longer, pair = _REPEATS[0] // 2, _REPEATS[0], (counts[0], counts[0])
    else:
        shorter, longer = _REPEATS[len(counts) - 2], _REPEATS[len(counts) - 1]
        pair = (counts[-2], counts[-1])
    growth = pair[1] / max(pair[0], 1)
    slow = growth >= SUPERLINEAR_GROWTH or ran_out
    # Timed for information only: the verdict above is decided. Where the count ran out,
    # the framework's own matcher is timed at the shortest lengths, so that timing the
    # information cannot take longer than the counting.
    if ran_out:
        shorter, longer = _REPEATS[0] // 2, _REPEATS[0]
    timed = measure(probe, witness(shorter), witness(longer))
    return replace(timed, steps=pair), slow


def _witnesses(pieces: Pieces) -> Iterator[tuple[str, Callable[[int], str]]]:
    """For each neighbouring pair of variables that can share a pump: why, and the witness."""
    variables = [(index, regex) for index, (text, regex) in enumerate(pieces) if text is None]
    for (first, first_regex), (second, second_regex) in itertools.pairwise(variables):
        between = "".join(text or "" for text, _ in pieces[first + 1 : second])
        before = _before(pieces, first)
        for pump in dict.fromkeys([between, *_PUMPS]):
            takes = pump and (not between or between in pump * 2)
            if takes and _accepts(first_regex, pump) and _accepts(second_regex, pump):
                reason = f"two variables take {pump!r} repeated" + (
                    f" and the {between!r} between them" if between else ""
                )
                for breaker in _BREAKERS:
                    yield reason, _witness(before, pump, breaker)


def _alone(pieces: Pieces) -> Iterator[tuple[str, Callable[[int], str]]]:
    """Each variable alone: a converter regex with two overlapping repeats (``\\d+\\d+``)."""
    variables = [(index, regex) for index, (text, regex) in enumerate(pieces) if text is None]
    for index, regex in variables:
        for pump in _PUMPS:
            if _accepts(regex, pump):
                reason = f"one variable takes {pump!r} repeated"
                for breaker in _BREAKERS:
                    yield reason, _witness(_before(pieces, index), pump, breaker)


def _before(pieces: Pieces, index: int) -> str:
    return "".join(text if text is not None else _sample(regex) for text, regex in pieces[:index])


def _witness(before: str, pump: str, breaker: str) -> Callable[[int], str]:
    def make(repeats: int) -> str:
        return before + pump * repeats + breaker

    return make


def _accepts(regex: str, pump: str) -> bool:
    try:
        compiled = re.compile(regex)
    except re.error:
        return False
    return any(compiled.fullmatch(text) for text in (pump * 3, (pump * 3)[:-1]) if text)


def _sample(regex: str) -> str:
    for text in _SAMPLES:
        if re.fullmatch(regex, text):
            return text
    return "a"


def measure(probe: Probe, shorter: str, longer: str) -> Measurement:
    """Time *probe* on two paths, in turns so that a busy machine slows both alike.

    Each time is the least of up to five runs (fewer once the longer takes 50 ms).

    >>> measured = measure(len, "a" * 10, "a" * 20)
    >>> measured.lengths, measured.path == "a" * 20
    ((10, 20), True)
    """
    best = [float("inf"), float("inf")]
    for _ in range(5):
        for index, path in enumerate((shorter, longer)):
            start = time.perf_counter()
            probe(path)
            best[index] = min(best[index], time.perf_counter() - start)
        if best[1] > 0.05:
            break
    return Measurement(longer, (len(shorter), len(longer)), (best[0], best[1]), shorter)


def report_lines(findings: Sequence[RouteFinding]) -> list[str]:
    """The findings as text: one line per route, then the witness and advice of each flagged one.

    >>> report_lines([RouteFinding("flask", "/user/<int:id>", "user", superlinear=False)])
    ['ok    flask  /user/<int:id>  (user)', '1 route, none flagged']
    """
    lines = []
    for finding in findings:
        status = "SLOW " if finding.exposed else "ok   "
        if finding.superlinear and finding.protected:
            status = "fixed"
        if finding.status == "unchecked":
            status = "unchecked"
        lines.append(f"{status} {finding.framework}  {finding.route}  ({finding.endpoint})")
        if finding.status == "unchecked":
            lines.append(f"      not checked: {finding.reason}")
        if finding.superlinear and finding.witness is not None:
            lines.append(f"      {finding.candidate}")
            lines.append(f"      witness: {_describe(finding.witness)}")
            lines.append(f"        {finding.witness.path[:60]!r}...")
            if finding.with_safename is not None:
                fixed = "removes it" if finding.safename_fixes else "does NOT remove it"
                lines.append(f"      safename's matcher {fixed} (by construction)")
            if finding.advice:
                lines.append(f"      advice: {finding.advice}")
    flagged = sum(finding.exposed for finding in findings)
    removed = sum(finding.superlinear and finding.protected for finding in findings)
    unchecked = sum(finding.status == "unchecked" for finding in findings)
    routes = f"{len(findings)} route{'s' * (len(findings) != 1)}"
    protected = f", {removed} fixed by safename's matcher" if removed else ""
    not_checked = f", {unchecked} unchecked" if unchecked else ""
    lines.append(f"{routes}, {flagged or 'none'} flagged{protected}{not_checked}")
    return lines


def _describe(measured: Measurement) -> str:
    (short, long), (fewer, more) = measured.lengths, measured.steps
    (fast, slow) = measured.seconds
    growth = "budget ran out" if more > STEP_BUDGET else f"x{measured.step_growth:.1f}"
    return (
        f"{short} chars {fewer} steps, {long} chars {more} steps ({growth} for x2 length; "
        f"timed for information: {fast * 1000:.2f} ms, {slow * 1000:.2f} ms)"
    )
