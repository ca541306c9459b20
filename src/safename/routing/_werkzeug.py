"""Werkzeug's ``StateMachineMatcher`` with safename's linear-time reading of dynamic parts.

Werkzeug's ``Map`` delegates every match to one object, ``Map._matcher``: it walks
a tree of rule parts (static segments by dict look-up, dynamic ones in weight
order) and, at each dynamic part, calls ``re.match`` on the part's regex (its
literals and its converters' regexes, ``\\Z``-anchored). That one call is the
only place the walk can take more than linear time: a part with several
variables (``<a>-<b>.txt``) or several ``path`` converters makes ``re`` try
every split of the text.

:class:`LinearMatcher` is a subclass that changes only that call. It keeps
Werkzeug's tree, its order, its method, websocket, slash and alias logic as
they are (``match`` follows ``StateMachineMatcher.match`` line for line), and
reads a dynamic part with :class:`~safename.routing._nfa.PartNFA`, which gives
``re``'s own leftmost-first captures in time linear in the text. A part with
one variable of a built-in converter, which ``re`` reads in linear time, keeps
``re``; so does a custom converter whose regex the NFA cannot read (its worst
case stays within its own part).

:func:`install` puts it in an existing ``Map``: it takes over the map's tree
as it stands, so rules added before and after are matched the same way. It
only does so on the Werkzeug releases in :data:`SUPPORTED`; on another it logs
a warning and leaves Werkzeug's matcher in place.
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from importlib.metadata import version
from typing import Any, Final

from werkzeug.routing import BaseConverter, Map, Rule
from werkzeug.routing import converters as werkzeug_converters
from werkzeug.routing.exceptions import NoMatch, RequestAliasRedirect, RequestPath
from werkzeug.routing.matcher import SlashRequired, State, StateMachineMatcher
from werkzeug.routing.rules import RulePart

from safename.errors import UnsupportedRegexError
from safename.routing._nfa import PartNFA, Piece, Unsupported
from safename.routing.rules import BUILT_IN

__all__ = ["SUPPORTED", "LinearMatcher", "install", "is_supported"]

#: The Werkzeug release series whose matcher internals this module was tested against.
SUPPORTED: Final = ("3.1.",)

_LOG: Final = logging.getLogger("safename.flask")
_GROUP: Final = "(?P<__werkzeug_{}>"
_END: Final = r"\Z"
# How Werkzeug ends a final part written with a trailing slash: the slash is optional.
_SLASH_SUFFIX: Final = r"(?<!/)(/?)\Z"
# Werkzeug's converters whose one-variable parts Python's re reads in linear time.
_LINEAR_UNDER_RE: Final = (
    werkzeug_converters.UnicodeConverter,
    werkzeug_converters.AnyConverter,
    werkzeug_converters.PathConverter,
    werkzeug_converters.NumberConverter,
    werkzeug_converters.UUIDConverter,
)

#: The captures of a part's variables and the optional slash suffix, or ``None``.
Reading = tuple[list[str], str | None]


def is_supported(werkzeug_version: str | None = None) -> bool:
    """Whether :class:`LinearMatcher` was tested against this Werkzeug release.

    :param werkzeug_version: a version string; the installed release by default.

    >>> is_supported("3.1.9"), is_supported("4.0.0")
    (True, False)
    """
    found = werkzeug_version or version("werkzeug")
    return found.startswith(SUPPORTED)


def install(url_map: Map) -> bool:
    """Make *url_map* match with :class:`LinearMatcher`; whether it does now.

    The map's rules, added before or after, keep their order and their answers.
    On a Werkzeug release outside :data:`SUPPORTED`, or a map whose matcher was
    already replaced by something else, a warning is logged and the map keeps
    its matcher.

    >>> from werkzeug.routing import Map, Rule
    >>> url_map = Map([Rule("/d/<a>-<b>.txt", endpoint="d")])
    >>> install(url_map)
    True
    >>> url_map.bind("example.org").match("/d/x-y-z.txt")
    ('d', {'a': 'x-y', 'b': 'z'})
    """
    current = url_map._matcher
    if isinstance(current, LinearMatcher):
        return True
    if not is_supported():
        _LOG.warning(
            "safename: Werkzeug %s is not a tested release (%s); keeping Werkzeug's matcher",
            version("werkzeug"),
            ", ".join(f"{series}x" for series in SUPPORTED),
        )
        return False
    if type(current) is not StateMachineMatcher:
        _LOG.warning("safename: the map's matcher is a %s; keeping it", type(current).__name__)
        return False
    url_map._matcher = LinearMatcher.adopt(current, url_map.iter_rules())
    return True


class LinearMatcher(StateMachineMatcher):
    """Werkzeug's matcher, reading each dynamic part in time linear in its text.

    Same tree, same order, same answers and exceptions as ``StateMachineMatcher``;
    only the reading of a dynamic part's text changes (see the module docstring).

    :ivar readers: the reader of each dynamic part, by the part's regex.
    """

    def __init__(self, merge_slashes: bool) -> None:
        super().__init__(merge_slashes)
        self.readers: dict[str, PartReader] = {}
        self._adding = threading.Lock()

    @classmethod
    def adopt(cls, matcher: StateMachineMatcher, rules: Iterable[Rule]) -> LinearMatcher:
        """A matcher over *matcher*'s tree as it stands, with readers for *rules*' parts."""
        adopted = cls(matcher.merge_slashes)
        matcher.update()  # sorted once here: an adopted tree is never changed in place again
        adopted._root = matcher._root
        for rule in rules:
            if not rule.build_only:
                adopted._learn(rule)
        return adopted

    def add(self, rule: Rule) -> None:
        """Add *rule* as Werkzeug does, and make readers for its dynamic parts.

        Safe while other threads match: the states on the rule's path are copied,
        the new transition is put in its sorted place in the copy, and the new tree
        is published by one assignment, so a match walks the tree from before the
        add or from after it, never one half-changed. Adders take a lock.

        :raises UnsupportedRegexError: for a converter whose regex the
            linear-time reader cannot read, unless its class sets
            ``trusted_regex = True``; the rule is then not added.
        """
        readers = self._readers_of(rule)
        # The readers first: a match that sees the rule finds its part's reader.
        self.readers.update(readers)
        with self._adding:
            self._root = _with_rule(self._root, rule)

    def update(self) -> None:
        """Nothing to do: :meth:`add` keeps every state's transitions in Werkzeug's order."""

    def _learn(self, rule: Rule) -> None:
        self.readers.update(self._readers_of(rule))

    def _readers_of(self, rule: Rule) -> dict[str, PartReader]:
        named = iter(rule._converters.items())
        readers: dict[str, PartReader] = {}
        for part in rule._parts:
            if part.static:
                continue
            count = _group_count(part.content)
            own = [pair for _, pair in zip(range(count), named, strict=False)]
            found = self.readers.get(part.content) or readers.get(part.content)
            if found is None:
                found = readers[part.content] = PartReader(part, [pair[1] for pair in own])
            if found.construct is not None:
                for name, converter in own:
                    if not _trusted(converter):
                        raise UnsupportedRegexError(rule.rule, name, found.construct)
        return readers

    def reader(self, part: RulePart) -> PartReader:
        """The reader of a dynamic *part*; ``re`` if no rule taught this matcher the part."""
        found = self.readers.get(part.content)
        if found is None:
            found = self.readers[part.content] = PartReader(part, [])
        return found

    def match(
        self, domain: str, path: str, method: str, websocket: bool
    ) -> tuple[Rule, dict[str, Any]]:
        """Werkzeug's ``StateMachineMatcher.match``, reading dynamic parts in linear time.

        :raises NoMatch: no rule matched (with the methods that would have).
        :raises RequestPath: the path needs a slash added, or slashes merged.
        :raises RequestAliasRedirect: an alias rule matched.
        """
        walk = _Walk(self, method, websocket)
        try:
            found = walk.search(self._root, [domain, *path.split("/")], [])
        except SlashRequired:
            raise RequestPath(f"{path}/") from None
        if self.merge_slashes and found is None:
            path = re.sub("/{2,}", "/", path)
            try:
                found = walk.search(self._root, [domain, *path.split("/")], [])
            except SlashRequired:
                raise RequestPath(f"{path}/") from None
            if found is None or found[0].merge_slashes is False:
                raise NoMatch(walk.have_match_for, walk.websocket_mismatch)
            raise RequestPath(f"{path}")
        if found is None:
            raise NoMatch(walk.have_match_for, walk.websocket_mismatch)
        rule, texts = found
        result: dict[str, Any] = {}
        for name, text in zip(rule._converters.keys(), texts, strict=False):
            try:
                result[str(name)] = rule._converters[name].to_python(text)
            except werkzeug_converters.ValidationError as error:
                raise NoMatch(walk.have_match_for, walk.websocket_mismatch) from error
        if rule.defaults:
            result.update(rule.defaults)
        if rule.alias and rule.map.redirect_defaults:
            raise RequestAliasRedirect(result, rule.endpoint)
        return rule, result


def _with_rule(root: State, rule: Rule) -> State:
    """A copy of the tree *root* with *rule* added as Werkzeug adds it, *root* unchanged.

    Only the states on the rule's path are copied; the rest are shared. A new
    dynamic transition goes after those of a lower or equal weight, the place
    Werkzeug's stable sort by weight would give it.
    """
    new_root = state = _copied(root)
    for part in rule._parts:
        if part.static:
            child = state.static.get(part.content)
            state.static[part.content] = child = State() if child is None else _copied(child)
        else:
            for index, (known, existing) in enumerate(state.dynamic):
                if known == part:
                    child = _copied(existing)
                    state.dynamic[index] = (known, child)
                    break
            else:
                child = State()
                place = bisect.bisect_right(
                    state.dynamic, part.weight, key=lambda entry: entry[0].weight
                )
                state.dynamic.insert(place, (part, child))
        state = child
    state.rules.append(rule)
    return new_root


def _copied(state: State) -> State:
    return State(dynamic=list(state.dynamic), rules=list(state.rules), static=dict(state.static))


class _Walk:
    """One match: Werkzeug's walk of the tree, with what it learns on the way."""

    def __init__(self, matcher: LinearMatcher, method: str, websocket: bool) -> None:
        self.matcher = matcher
        self.method = method
        self.websocket = websocket
        self.have_match_for: set[str] = set()
        self.websocket_mismatch = False

    def _accepts(self, rule: Rule) -> bool:
        if rule.methods is not None and self.method not in rule.methods:
            self.have_match_for.update(rule.methods)
        elif rule.websocket != self.websocket:
            self.websocket_mismatch = True
        else:
            return True
        return False

    def _at_end(self, state: State, values: list[str]) -> tuple[Rule, list[str]] | None:
        for rule in state.rules:
            if self._accepts(rule):
                return rule, values
        # A rule with one more (empty) segment: redirect to it, or take it if not strict.
        if "" in state.static:
            for rule in state.static[""].rules:
                methods_fit = rule.methods is None or self.method in rule.methods
                if self.websocket == rule.websocket and methods_fit:
                    if rule.strict_slashes:
                        raise SlashRequired()
                    return rule, values
        return None

    def search(
        self, state: State, parts: list[str], values: list[str]
    ) -> tuple[Rule, list[str]] | None:
        """The first rule under *state* that takes *parts*, in Werkzeug's order."""
        if not parts:
            return self._at_end(state, values)
        part = parts[0]
        if part in state.static:
            found = self.search(state.static[part], parts[1:], values)
            if found is not None:
                return found
        for test_part, new_state in state.dynamic:
            target, remaining = part, parts[1:]
            if test_part.final:
                target, remaining = "/".join(parts), []
            reading = self.matcher.reader(test_part).read(target)
            if reading is not None:
                groups, suffix = reading
                if suffix == "/":
                    remaining = [""]
                found = self.search(new_state, remaining, values + groups)
                if found is not None:
                    return found
        # Only a trailing slash left: rules without strict slashes take it.
        if parts == [""]:
            for rule in state.rules:
                if not rule.strict_slashes and self._accepts(rule):
                    return rule, values
        return None


class PartReader:
    """Reads one dynamic part of a Werkzeug rule, as ``re.match`` of its regex would.

    :param part: the part, whose ``content`` is its regex.
    :param converters: its variables' converters, in order; when they do not
        rebuild ``content`` exactly, the part is read with ``re``.

    :ivar nfa: the linear-time reader, or ``None`` where ``re`` reads the part
        (one variable of a built-in converter, or a regex the NFA cannot read).
    :ivar linear: whether the part is read in time linear in its text: by the
        NFA, or by ``re`` on one variable of a built-in converter.
    """

    def __init__(self, part: RulePart, converters: Sequence[BaseConverter]) -> None:
        self.suffixed = part.suffixed
        self.nfa: PartNFA | None = None
        #: What the NFA could not read, if it could not.
        self.construct: str | None = None
        pieces = split_part(part.content, [converter.regex for converter in converters])
        under_re = pieces is not None and _linear_under_re(converters)
        if pieces is not None and not under_re:
            try:
                self.nfa = PartNFA(pieces)
            except Unsupported as error:
                self.construct = str(error)
        self.linear = under_re or self.nfa is not None
        self._pattern = re.compile(part.content)
        self.read: Callable[[str], Reading | None] = (
            self._read_with_re if self.nfa is None else self._nfa_reader(self.nfa)
        )

    def _read_with_re(self, text: str) -> Reading | None:
        match = self._pattern.match(text)
        if match is None:
            return None
        # Werkzeug's order: groups __werkzeug_0, __werkzeug_1, ... by their number.
        named = sorted(
            (int(name[11:]), value)
            for name, value in match.groupdict().items()
            if name.startswith("__werkzeug_")
        )
        return [value for _, value in named], match.groups()[-1] if self.suffixed else None

    def _nfa_reader(self, nfa: PartNFA) -> Callable[[str], Reading | None]:
        suffixed = self.suffixed

        def read(text: str) -> Reading | None:
            suffix = None
            if suffixed:
                # `...(?<!/)(/?)\Z`: a final "/" is the suffix, and what is before it
                # must not end with "/"; without a final "/", the suffix is empty.
                suffix = "/" if text.endswith("/") else ""
                text = text.removesuffix(suffix)
                if suffix and text.endswith("/"):
                    return None
            captured = nfa.fullmatch(text)
            return None if captured is None else (list(captured), suffix)

        return read


def _group_count(content: str) -> int:
    # One pass; a converter regex that held this text too is caught by split_part's check.
    return content.count("(?P<__werkzeug_")


def _trusted(converter: BaseConverter) -> bool:
    """Whether ``re`` may read *converter*'s regex: a built-in one, or a class that opted in."""
    inner = getattr(converter, "converter", None)  # safename's converters, wrapped
    if inner is not None and getattr(inner, "regex", None) == converter.regex:
        return type(inner) in BUILT_IN or getattr(inner, "trusted_regex", False) is True
    return type(converter) in _LINEAR_UNDER_RE or getattr(converter, "trusted_regex", False) is True


def _linear_under_re(converters: Sequence[BaseConverter]) -> bool:
    """One variable of a built-in converter: ``re`` reads the part in linear time."""
    if len(converters) != 1:
        return False
    converter = converters[0]
    inner = getattr(converter, "converter", None)  # safename's converters, wrapped
    if inner is not None and getattr(inner, "regex", None) == converter.regex:
        return type(inner) in BUILT_IN
    # Or wrapped with the regex of the Werkzeug converter they stand in for.
    twin = getattr(converter, "werkzeug", None)
    if isinstance(twin, _LINEAR_UNDER_RE) and twin.regex == converter.regex:
        return True
    return type(converter) in _LINEAR_UNDER_RE


def split_part(content: str, regexes: Sequence[str]) -> list[Piece] | None:
    r"""The literals and variable regexes of a Werkzeug part's regex, or ``None``.

    *content* is what Werkzeug's ``Rule._parse_rule`` writes: escaped literals,
    each variable as ``(?P<__werkzeug_N>regex)``, and ``\Z`` (or an optional
    trailing slash, ``(?<!/)(/?)\Z``) at the end. The pieces are returned only
    if writing them back the same way gives *content* exactly.

    >>> split_part(r"(?P<__werkzeug_0>[^/]+)\-(?P<__werkzeug_1>[^/]+)\.txt\Z", ["[^/]+"] * 2)
    ... # doctest: +NORMALIZE_WHITESPACE
    [Piece(text=None, regex='[^/]+'), Piece(text='-', regex=''),
     Piece(text=None, regex='[^/]+'), Piece(text='.txt', regex='')]
    """
    pieces: list[Piece] = []
    position = 0
    for number, regex in enumerate(regexes):
        group = _GROUP.format(number) + regex + ")"
        start = content.find(group, position)
        if start < 0:
            return None
        pieces.append(Piece(_unescape(content[position:start])))
        pieces.append(Piece(None, regex))
        position = start + len(group)
    tail = content[position:]
    for ending in (_SLASH_SUFFIX, _END):
        if tail.endswith(ending):
            pieces.append(Piece(_unescape(tail.removesuffix(ending))))
            break
    else:
        return None
    pieces = [piece for piece in pieces if piece.text != ""]
    if _write(pieces) + ending != content:
        return None
    return pieces


def _unescape(escaped: str) -> str:
    # re.escape puts a backslash before each special character, and nothing else.
    return re.sub(r"\\(.)", r"\1", escaped, flags=re.DOTALL)


def _write(pieces: Sequence[Piece]) -> str:
    written = []
    number = 0
    for piece in pieces:
        if piece.text is not None:
            written.append(re.escape(piece.text))
        else:
            written.append(_GROUP.format(number) + piece.regex + ")")
            number += 1
    return "".join(written)
