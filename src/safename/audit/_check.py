"""Check one route: the witnesses that could slow it down, and how its cost grows."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

from safename.errors import SafenameError

SUPERLINEAR_GROWTH: Final = 3.0
#: The shorter witness is lengthened until the framework takes this long on it.
MIN_SECONDS: Final = 0.005
#: The most repeats of the pump tried before a route is taken for fast.
MAX_REPEATS: Final = 8192

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


@dataclass(frozen=True)
class Measurement:
    """A witness path timed at two lengths.

    :ivar path: the witness at the longer length.
    :ivar lengths: the path's length in characters, shorter then longer.
    :ivar seconds: the time of one match at each length.
    :ivar shorter_path: the witness at the shorter length.
    """

    path: str
    lengths: tuple[int, int]
    seconds: tuple[float, float]
    shorter_path: str = ""

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


class SlowRouteError(SafenameError):
    """A route whose matching time a URL can make grow faster than linearly.

    Raised by ``SafeName(app)`` with ``SAFENAME_AUDIT = "raise"`` and Werkzeug's matcher.

    :ivar finding: the :class:`RouteFinding`, with its witness.
    """

    def __init__(self, finding: RouteFinding) -> None:
        super().__init__(" ".join(report_lines([finding])[1:-1]).strip() or finding.route)
        self.finding = finding


def check_route(route: Route) -> RouteFinding:
    """The finding for one route: candidate by structure, confirmed by measurement."""
    found = RouteFinding(route.framework, route.text, route.endpoint, superlinear=False)
    candidates = list(_witnesses(route.pieces))
    if not candidates:
        return found
    reason, witness = max(candidates, key=lambda pair: _seconds(route.probe, pair[1](32)))
    measured = _growth(route.probe, witness)
    flagged = measured.growth >= SUPERLINEAR_GROWTH and measured.seconds[1] >= MIN_SECONDS
    if not flagged:
        return RouteFinding(**{**asdict(found), "candidate": reason, "witness": measured})
    with_safename = None if route.safe_probe is None else _growth(route.safe_probe, witness)
    # A guarantee by construction, not a timing: the measurement is shown, not trusted.
    fixes = route.safename_linear
    return RouteFinding(
        route.framework,
        route.text,
        route.endpoint,
        superlinear=True,
        candidate=reason,
        witness=measured,
        with_safename=with_safename,
        safename_fixes=fixes,
        protected=route.protected,
        advice=route.advice,
    )


def _witnesses(pieces: Pieces) -> Iterator[tuple[str, Callable[[int], str]]]:
    """For each neighbouring pair of variables that can share a pump: why, and the witness."""
    variables = [(index, regex) for index, (text, regex) in enumerate(pieces) if text is None]
    for (first, first_regex), (second, second_regex) in itertools.pairwise(variables):
        between = "".join(text or "" for text, _ in pieces[first + 1 : second])
        before = "".join(
            text if text is not None else _sample(regex) for text, regex in pieces[:first]
        )
        for pump in dict.fromkeys([between, *_PUMPS]):
            takes = pump and (not between or between in pump * 2)
            if takes and _accepts(first_regex, pump) and _accepts(second_regex, pump):
                reason = f"two variables take {pump!r} repeated" + (
                    f" and the {between!r} between them" if between else ""
                )
                for breaker in _BREAKERS:
                    yield reason, _witness(before, pump, breaker)


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


def _seconds(probe: Probe, path: str) -> float:
    """The shortest of a few timings of one match (one if it is slow): the least disturbed."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        probe(path)
        best = min(best, time.perf_counter() - start)
        if best > 0.05:
            break
    return best


def _growth(probe: Probe, witness: Callable[[int], str]) -> Measurement:
    repeats = 32
    seconds = _seconds(probe, witness(repeats))
    while seconds < MIN_SECONDS and repeats < MAX_REPEATS:
        repeats *= 2
        seconds = _seconds(probe, witness(repeats))
    measured = measure(probe, witness(repeats), witness(2 * repeats))
    if 2.0 < measured.growth < SUPERLINEAR_GROWTH and measured.seconds[1] < 0.2:
        # Close to the line: one more doubling, where a superlinear time shows more clearly.
        measured = measure(probe, witness(2 * repeats), witness(4 * repeats))
    return measured


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
        lines.append(f"{status} {finding.framework}  {finding.route}  ({finding.endpoint})")
        if finding.superlinear and finding.witness is not None:
            lines.append(f"      {finding.candidate}")
            lines.append(f"      witness: {_describe(finding.witness)}")
            lines.append(f"        {finding.witness.path[:60]!r}...")
            if finding.with_safename is not None:
                fixed = "removes it" if finding.safename_fixes else "does NOT remove it"
                lines.append(
                    f"      safename's matcher {fixed}: {_describe(finding.with_safename)}"
                )
            if finding.advice:
                lines.append(f"      advice: {finding.advice}")
    flagged = sum(finding.exposed for finding in findings)
    removed = sum(finding.superlinear and finding.protected for finding in findings)
    routes = f"{len(findings)} route{'s' * (len(findings) != 1)}"
    protected = f", {removed} fixed by safename's matcher" if removed else ""
    lines.append(f"{routes}, {flagged or 'none'} flagged{protected}")
    return lines


def _describe(measured: Measurement) -> str:
    (short, long), (fast, slow) = measured.lengths, measured.seconds
    return (
        f"{short} chars {fast * 1000:.2f} ms, {long} chars {slow * 1000:.2f} ms "
        f"(x{measured.growth:.1f} for x2 length)"
    )
