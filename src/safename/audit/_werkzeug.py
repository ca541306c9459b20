"""The routes of a Werkzeug ``Map`` (a Flask app) to audit, and the audit of rules as added.

Each rule is checked twice: alone in Werkzeug's own matcher (the probe of the
audit) and in :class:`~safename.routing._werkzeug.LinearMatcher`, whose linear
reading is a proof rather than a timing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Final

from werkzeug.routing import Map, Rule
from werkzeug.routing.exceptions import NoMatch, RequestAliasRedirect, RequestPath
from werkzeug.routing.matcher import SlashRequired, StateMachineMatcher

from safename.audit._check import Route, RouteFinding, SlowRouteError, check_route, report_lines
from safename.audit._count import STEP_BUDGET, count
from safename.errors import UnsupportedRegexError
from safename.routing._werkzeug import LinearMatcher, is_supported

__all__ = ["AUDIT_MODES", "AuditingMatcher", "audit_routes", "audit_rules_as_added"]

_LOG: Final = logging.getLogger("safename.flask")

#: The values of ``SAFENAME_AUDIT``.
AUDIT_MODES: Final = ("warn", "raise", "off")
_NOT_MATCHED: Final = (NoMatch, RequestPath, RequestAliasRedirect, SlashRequired, ValueError)


def audit_routes(url_map: Map) -> Iterator[Route]:
    """Each rule of *url_map* as :func:`safename.audit.check_route` reads it."""
    for rule in list(url_map.iter_rules()):
        if not rule.build_only:
            yield _route(url_map, rule)


def _route(url_map: Map, rule: Rule) -> Route:
    """*rule* alone in a Werkzeug matcher and in a linear one: the two probes of the audit."""
    domain = (rule.host if url_map.host_matching else rule.subdomain) or ""
    path_trace = rule._trace[[data for _, data in rule._trace].index("|") + 1 :]
    pieces: list[tuple[str | None, str]] = [
        (None, rule._converters[data].regex) if dynamic else (data, "")
        for dynamic, data in path_trace
    ]
    werkzeug_matcher = StateMachineMatcher(url_map.merge_slashes)
    werkzeug_matcher.add(rule)
    werkzeug_matcher.update()
    linear: LinearMatcher | None = _linear_matcher(url_map, rule)
    dynamic = [part for part in rule._parts if not part.static]
    proven = linear is not None and all(linear.reader(part).linear for part in dynamic)
    method = "GET" if not rule.methods or "GET" in rule.methods else sorted(rule.methods)[0]

    def probe_with(matcher: StateMachineMatcher) -> Callable[[str], object]:
        def probe(path: str) -> object:
            try:
                return matcher.match(domain, path, method, rule.websocket)
            except _NOT_MATCHED:
                return None

        return probe

    return Route(
        "flask",
        rule.rule,
        str(rule.endpoint),
        pieces,
        probe_with(werkzeug_matcher),
        safe_probe=None if linear is None else probe_with(linear),
        safename_linear=proven,
        protected=proven and isinstance(url_map._matcher, LinearMatcher),
        advice="SafeName(app) with SAFENAME_MATCHER = True (the default) matches it in linear time",
        counter=_counter(rule, domain, url_map.merge_slashes),
        unchecked="a variable in the host or subdomain is not modelled" if "<" in domain else "",
    )


def _linear_matcher(url_map: Map, rule: Rule) -> LinearMatcher | None:
    """*rule* alone in safename's linear matcher, or ``None`` where that matcher refuses it.

    It refuses a converter regex it cannot read in linear time (unless the converter
    says its regex is trusted): SafeName(app) cannot take such a rule, so nothing about
    it is proven.
    """
    linear = LinearMatcher(url_map.merge_slashes)
    try:
        linear.add(rule)
    except UnsupportedRegexError:
        return None
    linear.update()
    return linear


def _counter(rule: Rule, domain: str, merge_slashes: bool) -> Callable[[str], int | None]:
    """Counts Werkzeug's work on a path as its state machine does it for this one rule.

    The path is split at slashes; each static part is compared, each dynamic part's
    regex is run on its segment (or on the rest of the path, for a final part). One rule
    is one chain of states, so no part is tried twice; a miss is tried again with merged
    slashes, as Werkzeug does.
    """

    def walk(path: str) -> tuple[bool, int]:
        segments, total = [domain, *path.split("/")], 0
        for part in rule._parts:
            if not segments:
                return False, total
            total += 1
            if part.static:
                if segments[0] != part.content:
                    return False, total
                segments = segments[1:]
                continue
            target = "/".join(segments) if part.final else segments[0]
            matched, steps, _ = count(part.content, target)
            total += steps
            if not matched:
                return False, total
            segments = [] if part.final else segments[1:]
        return not segments or segments == [""], total

    def counter(path: str) -> int | None:
        matched, total = walk(path)
        if not matched and merge_slashes:
            total += walk(re.sub("/{2,}", "/", path))[1]
        return None if total > STEP_BUDGET else total

    return counter


def audit_rules_as_added(url_map: Map, mode: str) -> None:
    """Audit each rule of *url_map*, now and as it is added; warn or raise on a finding.

    :param mode: ``"warn"`` (log a warning), ``"raise"`` (:class:`~safename.audit.SlowRouteError`
        from the ``add`` that added the rule) or ``"off"``.
    :raises ValueError: for another *mode*.
    """
    if mode not in AUDIT_MODES:
        raise ValueError(f"SAFENAME_AUDIT must be one of {AUDIT_MODES}, got {mode!r}")
    if mode == "off":
        return
    current = url_map._matcher
    if is_supported() and type(current) is StateMachineMatcher:
        auditing = AuditingMatcher(current.merge_slashes, url_map, mode)
        auditing._root = current._root
        url_map._matcher = auditing
    for route in list(audit_routes(url_map)):
        _report(check_route(route), mode)


class AuditingMatcher(StateMachineMatcher):
    """Werkzeug's matcher, unchanged, that audits each rule as it is added."""

    def __init__(self, merge_slashes: bool, url_map: Map, mode: str) -> None:
        super().__init__(merge_slashes)
        self.url_map = url_map
        self.mode = mode

    def add(self, rule: Rule) -> None:
        """Audit *rule*, then add it as Werkzeug does.

        :raises SlowRouteError: in ``"raise"`` mode, for a rule a URL can slow down;
            the rule is then not added.
        """
        _report(check_route(_route(self.url_map, rule)), self.mode)
        super().add(rule)


def _report(finding: RouteFinding, mode: str) -> None:
    if not finding.superlinear:
        return
    if mode == "raise":
        raise SlowRouteError(finding)
    _LOG.warning("safename: %s", "\n".join(report_lines([finding])[:-1]))
