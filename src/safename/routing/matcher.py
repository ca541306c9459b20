"""The matcher: a tree of rule parts, walked in Werkzeug's order or compiled to regexes.

:class:`Matcher` is the seam, as Werkzeug's ``StateMachineMatcher`` is: it owns
the tree, the index compiled from it and the hot loop; a router hands it rules
(``add``) and paths (``match``).

Werkzeug's matcher walks a tree of parts depth first: at each segment the
static step (a dict lookup) first, then the dynamic steps by rank. The same
walk, written as one regex whose alternatives come in the same order, runs in
the regex engine instead of in Python: it finds the same rule and the same
texts. Each part is an atomic group that must end at a segment boundary, so
the engine never retries a segment it has already read.

The root is split by first segment: a dict lookup picks the regex of that
segment's subtree, tried before the regex of the root's dynamic steps, as
Werkzeug's walk does. Each regex stays small: Python's regex engine pays for
every group of a regex at each match, so one regex of every rule would pay
for all their groups. For the same reason a static prefix with many rules
below it is split again by its next segment (:func:`build_index`), and a
regex stops at a *wide* node below a variable, handing over to the walk.

The walk in Python (:func:`search`) takes over there, and for the rare path
whose first candidate a converter refuses (a bound, a non-canonical number):
it goes on to the next rule in the same order, entering each small subtree
through its own regex.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from safename.routing._walk import MAX_HEIGHT, NATIVE, End, WalkNode
from safename.routing._walk import walk as walk_natively
from safename.routing.rules import Reader, RulePart, capture_rule, reader

__all__ = [
    "CompiledTree",
    "Entry",
    "Index",
    "Level",
    "Matcher",
    "Node",
    "Route",
    "Version",
    "build_index",
    "descend",
    "search",
    "walk_tree",
]

Values = dict[str, Any]


class Matcher:
    """The first rule, in Werkzeug's order, whose parts and converters accept a path.

    Werkzeug's order: at each segment a static part first, then the dynamic
    parts by weight, then the rule added first; a rule whose converter
    refuses its text gives way to the next. The cost of a match does not grow
    with the number of rules, and is linear in the path for built-in
    converters (see :mod:`safename.routing._nfa`).

    >>> from safename.routing import Pattern
    >>> matcher = Matcher()
    >>> for rule, endpoint in [("/<int(max=9):n>", "small"), ("/<name>", "name")]:
    ...     pattern = Pattern(rule)
    ...     matcher.add(pattern.parts, endpoint, pattern.match)
    >>> matcher.match("/7"), matcher.match("/70")
    (('small', {'n': 7}), ('name', {'name': '70'}))

    Safe to share between threads: :meth:`add` may run while other threads
    match, and each match then answers with the rules before the add or
    after it, never a mix. An add builds a new tree beside the published one,
    sharing the nodes it does not change, and publishes it with one
    assignment; no node is changed once published, so a match needs no lock.

    :param walk: walk the tree in native code (:mod:`safename.routing._walk`)
        instead of matching its regexes; by default, in the compiled build only.
    """

    def __init__(self, *, walk: bool | None = None) -> None:
        self._walking = NATIVE if walk is None else walk
        # What match reads, in one attribute: it reads it once per path, so it
        # sees one version whatever an add publishes meanwhile.
        self._version = Version(Node())
        # Serialises adders: each builds on the version the one before published.
        self._adding = threading.Lock()

    def add(
        self,
        parts: Sequence[RulePart],
        endpoint: str,
        match: Callable[[str], Values | None],
        read: Callable[[Sequence[str]], Values | None] | None = None,
    ) -> None:
        """Add a rule: its parts, its endpoint, and the function that reads its values.

        Matches that run meanwhile, in other threads, find the rule or not,
        and every other rule as before.

        :param parts: the rule's parts, the leading empty one included.
        :param match: the rule's values in a path, or ``None``
            (:meth:`~safename.routing.Pattern.match`).
        :param read: the rule's values from the texts its variables captured,
            in order, or ``None``. Rules that end at the same place share
            their parts, so the path is read once for all of them and each
            only runs its converters; without it each rule reads the path.
        """
        dynamic = [(number, part) for number, part in enumerate(parts) if not part.static]
        places = tuple(number for number, _ in dynamic)
        route = Route(
            endpoint, match, tuple(part for _, part in dynamic), places, tuple(parts), read
        )
        with self._adding:
            previous = self._version
            # every rule and path starts with "/": part 0 is ""
            self._version = Version(_with_route(previous.root, parts[1:], route))
        # `previous` keeps the old version alive until the new one is stored:
        # compiled code releases an attribute's old value before the store.

    def update(self) -> None:
        """Compile the index of the rules added so far (``match`` does it when needed).

        Should Python's regex compiler refuse the index, every path is walked
        instead: slower, but no rule that was added fails to match.
        """
        self._compiled()

    @property
    def _walk_root(self) -> WalkNode | None:
        """The tree of the native walk, or ``None`` where the regexes read paths."""
        return self._compiled().walk_root

    def _compiled(self) -> Index:
        """The index of the published version, compiled now if no match has yet."""
        version = self._version
        table = version.index
        if table is None:
            # Threads that get here together each compile the same tree, and
            # each publishes an index as good as the others'.
            table = version.index = Index(version.root, walking=self._walking)
        return table

    def match(self, path: str) -> tuple[str, Values] | None:  # noqa: PLR0912 - the hot loop
        """The endpoint and values of the first rule that matches *path*, or ``None``."""
        table = self._version.index
        if table is None:
            table = self._compiled()
        if table.walk_root is not None:
            return walk_natively(table.walk_root, path)
        # The regexes, inlined (a call costs the pure build more than these branches).
        head = path.split("/", 2)
        # Every rule starts with "/": the regexes start after their prefix, and the walk at
        # segment 1, so a path that does not is no match here, and reaches neither.
        if len(head) < 2 or head[0]:
            return None
        first = head[1]
        entries = table.by_first.get(first)
        if entries is None:
            wide = table.wide.get(first)
            entries = table.root_steps if wide is None else descend(wide, path)
        # Inlined read_values: this is the hot path.
        for regex_match, offset, ends, resume in entries:
            match = regex_match(path, offset)
            if match is None:
                continue
            group = match.lastindex or 0
            for endpoint, readers in ends[group]:
                values = {}
                try:
                    for name, read, index, refuse_slash in readers:
                        text = match[index]
                        if refuse_slash and "/" in text:
                            break
                        values[name] = read(text)
                    else:
                        return endpoint, values
                except ValueError:
                    pass
            # The regex handed over, or the first candidate's converters
            # refused: Werkzeug's walk in Python goes on in the same order.
            segments = path.split("/")
            handoff = resume.get(group)
            refused: set[int] = set()
            if handoff is not None:
                # Every choice before the hand-over failed: go on from there.
                node, step, after = handoff
                start = match.end() + after  # where the next segment starts
                index = path.count("/", 0, start) if start <= len(path) else len(segments)
                found = search(node, segments, index, start, path, step=step, refused=refused)
                if found is not None:
                    return found
            return search(table.root, segments, 1, 1, path, refused=refused)
        return None


class Version:
    """The rules of a matcher at one time: a tree never changed, and its index once compiled."""

    def __init__(self, root: Node) -> None:
        self.root = root
        #: Filled by the first match, once; never changed after.
        self.index: Index | None = None


class Index:
    """What a match reads, compiled from one tree: the native walk's tree, or the regexes.

    :param walking: make the native walk's tree (:func:`walk_tree`), if the
        tree is low enough; else the regexes to try, by first segment (see
        :func:`build_index`), and those for any other.
    """

    def __init__(self, root: Node, *, walking: bool) -> None:
        self.root = root
        self.walk_root = walk_tree(root) if walking else None
        self.by_first: dict[str, tuple[Entry, ...]] = {}
        self.wide: dict[str, Level] = {}
        self.root_steps: tuple[Entry, ...] = ()
        if self.walk_root is not None:
            return
        try:
            self.root_steps, levels = build_index(root)
        except _CANNOT_COMPILE:
            self.root_steps, levels = (WALK,), None
        # By first segment: the regexes to try, or for a wide one the levels below.
        levels = levels or {}
        self.by_first = {first: entries for first, (entries, below) in levels.items() if not below}
        self.wide = {first: level for first, level in levels.items() if level[1]}


def _with_route(root: Node, parts: Sequence[RulePart], route: Route) -> Node:
    """A copy of the tree at *root* with *route* at the end of *parts*; *root*'s tree is unchanged.

    Only the nodes along *parts* are copied (each a dict or list of steps);
    the new tree shares every other node with the old one.
    """
    top = node = root.copy()
    for part in parts:
        node = node.copied_child(part)
    node.routes.append(route)
    return top


@dataclass(frozen=True)
class Route:
    """A rule in the tree: its endpoint, its whole-path matcher, and its dynamic parts.

    ``places`` are the segments the dynamic parts read: a part's index among
    the rule's parts (a final part reads from there to the end).
    """

    endpoint: str
    match: Callable[[str], Values | None]
    dynamic_parts: tuple[RulePart, ...]
    places: tuple[int, ...]
    parts: tuple[RulePart, ...] = ()
    read: Callable[[Sequence[str]], Values | None] | None = None


@dataclass(eq=False)
class Node:
    """A place in the tree: static steps by text, dynamic steps by rank, rules that end here."""

    static: dict[str, Node] = field(default_factory=dict)
    dynamic: list[tuple[RulePart, Node]] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    # Set by build_index: more than WIDE rules below, or more than DEEPEST
    # levels, so walked in Python.
    wide: bool = False
    _subtree: CompiledTree | None = None

    def children(self) -> list[Node]:
        """The nodes one step below, static ones first."""
        return [*self.static.values(), *(child for _, child in self.dynamic)]

    def subtree(self) -> CompiledTree | None:
        """The regex of everything below this node, from the end of its segment (made once).

        ``None`` if Python's regex compiler cannot take it: the node is then
        walked, and the rules below it still match.
        """
        if self._subtree is None and not self.wide:
            try:
                self._subtree = CompiledTree("", self, dynamic_only=False, readers=False)
            except _CANNOT_COMPILE:
                self.wide = True
        return self._subtree

    def copy(self) -> Node:
        """A node with the same steps and rules, in containers of its own, to change."""
        return Node(dict(self.static), list(self.dynamic), list(self.routes))

    def copied_child(self, part: RulePart) -> Node:
        """A copy of the node one step along *part*, put in its place here (made if new).

        The node it replaces is left as it was: a match may be reading it.
        """
        if part.static:
            known = self.static.get(part.content)
            child = Node() if known is None else known.copy()
            self.static[part.content] = child
            return child
        for number, (step, known) in enumerate(self.dynamic):
            if step.key() == part.key():
                child = known.copy()
                self.dynamic[number] = (step, child)
                return child
        return self.child(part)

    def child(self, part: RulePart) -> Node:
        """The node one step along *part*, made if new."""
        if part.static:
            return self.static.setdefault(part.content, Node())
        for known, node in self.dynamic:
            if known.key() == part.key():
                return node
        node = Node()
        self.dynamic.append((part, node))
        # A stable sort: among equal weights the part added first stays first.
        self.dynamic.sort(key=lambda entry: entry[0].weight)
        return node


def search(
    node: Node,
    segments: list[str],
    index: int,
    position: int,
    path: str,
    *,
    step: int = -1,
    refused: set[int] | None = None,
) -> tuple[str, Values] | None:
    """Werkzeug's depth-first walk from *node*: the first rule to match *path*.

    The walk keeps its places on a list, not on Python's stack, so a path or
    a rule of any number of segments cannot exhaust it. Each place is a node,
    the segment to read next, where it starts in *path*, and the step to try
    next there: ``-1`` the static one, then each dynamic one in order.

    :param segments: ``path.split("/")``.
    :param index: the segment to read next; it starts at *position* in *path*.
    :param step: the first step to try at *node* (``-1``: its static one).
    :param refused: the ids of the nodes whose rules refused *path* (added to).
    """
    places = [(node, index, position, step)]
    # The nodes whose rules refused the whole path: a rule's answer depends on
    # the path alone, so a node the walk reaches again after its subtree's
    # regex, or again from the root after a hand-over, is not read again (a
    # thousand refusing rules cost once, not twice).
    if refused is None:
        refused = set()
    while places:
        place = places.pop()
        if place[1] == len(segments):
            if id(place[0]) not in refused:
                found = _first_route(place[0].routes, path)
                if found is not None:
                    return found
                refused.add(id(place[0]))
            continue
        entered = _step(place, places, segments, path)
        if entered is None:
            continue
        child, index, position = entered
        tree = child.subtree()
        if tree is not None:  # its subtree's regex decides at once, but for a refusal
            match = tree.regex.match(path, position - 1)  # at the "/" after the segment, or the end
            if match is None:
                continue
            ending = tree.nodes[match.lastindex or 0]
            found = _first_route(ending.routes, path)
            if found is not None:
                return found
            refused.add(id(ending))
        # Wide, or the regex's first choice was refused by a converter or
        # handed over at a part re cannot match in linear time: walk it.
        places.append((child, index, position, -1))
    return None


Place = tuple[Node, int, int, int]


def _step(
    place: Place, places: list[Place], segments: list[str], path: str
) -> tuple[Node, int, int] | None:
    """Take the step *place* says, and queue the one after: the child entered, or ``None``."""
    node, index, position, step = place
    segment = segments[index]
    if step < 0:
        if node.dynamic:
            places.append((node, index, position, 0))
        child = node.static.get(segment)
        return None if child is None else (child, index + 1, position + len(segment) + 1)
    part, child = node.dynamic[step]
    if step + 1 < len(node.dynamic):
        places.append((node, index, position, step + 1))
    if part.final:
        text, index, position = path[position:], len(segments), len(path) + 1
    else:
        text, index, position = segment, index + 1, position + len(segment) + 1
    return None if part.test(text) is None else (child, index, position)


def walk_tree(root: Node) -> WalkNode | None:
    """The tree below *root* for the native walk, or ``None`` if it is higher than it takes.

    >>> from safename.routing import Pattern
    >>> root = Node()
    >>> pattern = Pattern("/user/<int:id>")
    >>> root.child(pattern.parts[1]).child(pattern.parts[2]).routes.append(
    ...     Route("user", pattern.match, pattern.parts[2:], (2,))
    ... )
    >>> tree = walk_tree(root)
    >>> tree is not None and walk_natively(tree, "/user/7")
    ('user', {'id': 7})
    """
    heights: dict[int, int] = {}
    order = [root]
    for node in order:  # not recursive: a rule may have any number of segments
        order.extend(node.children())
    for node in reversed(order):
        heights[id(node)] = 1 + max((heights[id(child)] for child in node.children()), default=0)
    if heights[id(root)] > MAX_HEIGHT:
        return None
    return _walk_node(root, {})


def _walk_node(node: Node, shared: dict[object, Any]) -> WalkNode:
    # Recursive, but only as deep as the tree, which walk_tree bounds by MAX_HEIGHT.
    return WalkNode(
        {text: _walk_node(child, shared) for text, child in node.static.items()},
        [(part, _walk_node(child, shared)) for part, child in node.dynamic],
        [
            End(
                route.endpoint,
                route.match,
                route.dynamic_parts,
                route.places,
                read=(route.parts, route.read) if route.read is not None else None,
                shared=shared,
            )
            for route in node.routes
        ],
        shared=shared,
    )


def _first_route(routes: Sequence[Route], path: str) -> tuple[str, Values] | None:
    """The first of *routes* (which end at one node) whose converters accept *path*.

    Routes that end at one node have the same parts, so their variables
    capture the same texts: the path is read once, not once per route.
    """
    texts: list[str] | None = None
    for route in routes:
        if route.read is None:
            values = route.match(path)
        else:
            if texts is None:
                texts = capture_rule(route.parts, path)
                if texts is None:
                    return None
            values = route.read(texts)
        if values is not None:
            return route.endpoint, values
    return None


Candidates = tuple[tuple[str, tuple[Reader, ...]], ...]
#: Where the walk takes over from a regex: a node, the step to try there
#: (``-1``: its static one), and whether the regex matched the segment that
#: leads to the node (else it stopped at the start of the step's segment).
Resume = tuple["Node", int, bool]
#: A regex's ``match``, where in the path it starts, the rules by marker
#: group, and the hand-overs by group.
Entry = tuple[
    Callable[[str, int], "re.Match[str] | None"], int, list[Candidates], "dict[int, Resume]"
]
#: The regexes to try at a static node, in order, and the levels below it by
#: next segment (``None`` when its whole subtree is one regex).
Level = tuple[tuple[Entry, ...], "dict[str, Level] | None"]


class CompiledTree:
    """Part of the tree as one regex: a static node's subtree, or its dynamic steps.

    ``ends[match.lastindex]`` are the rules that end where the regex
    matched: every place where rules end gets an empty marker group at the
    end of its alternative, so the last group of a match says where it ended.

    The regex starts where *prefix* ends, at :attr:`start`: whoever picks
    the regex has already found the prefix's segments in the path (the index
    looks them up). So subtrees of one shape under different prefixes (an
    application mounted at ``/a`` and ``/b``, ``/v1`` and ``/v2`` of an API)
    have one regex text, and with *patterns* share one compiled regex; each
    keeps its own rules.

    :param prefix: the path that leads to *node* (``/a/b`` for a subtree,
        ``/a/b/`` for dynamic steps).
    :param dynamic_only: compile only the dynamic steps from *node*.
    :param readers: make the readers of each rule's values (a regex that
        starts below the root has not read every variable: then ``nodes``
        says where it ended, and each rule reads its values itself).
    :param patterns: the regexes compiled so far, by text, to share.
    """

    def __init__(
        self,
        prefix: str,
        node: Node,
        *,
        dynamic_only: bool,
        readers: bool = True,
        patterns: dict[str, re.Pattern[str]] | None = None,
    ) -> None:
        self._markers: list[tuple[str, Node, tuple[str, ...]]] = []
        self._handoffs: list[Resume] = []
        self._steps = 0
        if dynamic_only:
            # From the prefix's last "/": the regex reads it, so it never starts past the path.
            self.start = len(prefix) - 1
            regex = "/" + self._remainder(Node(dynamic=node.dynamic), ())
        else:
            self.start = len(prefix)
            regex = self._continuation(node, ())
        patterns = {} if patterns is None else patterns
        compiled = patterns.get(regex)
        if compiled is None:
            compiled = patterns[regex] = re.compile(regex)
        self.regex = compiled
        self.ends: list[Candidates] = [()] * (self.regex.groups + 1)
        # Where each marker's rules end; a wide node's marker has none: the
        # caller walks in Python from there (see search).
        self.nodes: list[Node] = [Node()] * (self.regex.groups + 1)
        #: Where the walk takes over, by the group of each hand-over.
        self.resume = {
            self.regex.groupindex[f"h{number}"]: handoff
            for number, handoff in enumerate(self._handoffs)
        }
        for marker, end, prefixes in self._markers:
            index = self.regex.groupindex[marker]
            self.nodes[index] = end
            if readers:
                self.ends[index] = tuple(
                    (route.endpoint, self._readers(route, prefixes)) for route in end.routes
                )

    def _readers(self, route: Route, prefixes: tuple[str, ...]) -> tuple[Reader, ...]:
        # The rule's own parts: a shared step has the same regex, but each
        # rule keeps its own converters (bounds) and names.
        return tuple(
            reader(slot, self.regex.groupindex, prefix)
            for part, prefix in zip(route.dynamic_parts, prefixes, strict=True)
            for slot in part.slots
        )

    def _remainder(self, node: Node, prefixes: tuple[str, ...]) -> str:
        """The regex of the rest of a path from *node*, at a segment's start."""
        static = {text: self._continuation(child, prefixes) for text, child in node.static.items()}
        options = [_trie(static)] if static else []
        for number, (part, child) in enumerate(node.dynamic):
            prefix = f"s{self._steps}_"
            self._steps += 1
            if not part.linear:
                # Python's re could take polynomial time here: hand over to
                # the walk, which reads this part with its linear reader.
                options.append(f"(?P<h{len(self._handoffs)}>)")
                self._handoffs.append((node, number, False))
                continue
            end = r"\Z" if part.final else r"(?=/|\Z)"
            step = f"(?>{part.regex(prefix)}{end})"
            if child.wide:
                # Below here the regex would grow with the rules: hand over.
                options.append(f"{step}(?P<h{len(self._handoffs)}>)")
                self._handoffs.append((child, -1, True))
            else:
                options.append(step + self._continuation(child, (*prefixes, prefix)))
        return _any_of(options)

    def _continuation(self, node: Node, prefixes: tuple[str, ...]) -> str:
        """The regex after a step into *node*: the end of the path, or a slash and more."""
        options = []
        if node.routes:
            marker = f"m{len(self._markers)}"
            self._markers.append((marker, node, prefixes))
            options.append(rf"\Z(?P<{marker}>)")
        if node.static or node.dynamic:
            options.append("/" + self._remainder(node, prefixes))
        return _any_of(options)

    def entry(self) -> Entry:
        """What a matcher needs: the regex's ``match``, its start, the ends and the hand-overs."""
        return self.regex.match, self.start, self.ends, self.resume


def build_index(root: Node) -> Level:
    """The regexes to try for a path, found by its static segments.

    A static node with few rules below it becomes one regex of its whole
    subtree; a wide one (a mount point, an ``/api/v1`` with hundreds of
    resources) is split again by its next segment, so that no regex grows
    with the number of rules: Python's regex engine pays for every group of a
    regex at each match. The regexes to try come in the order of Werkzeug's
    walk: the deepest static node's, then the dynamic steps of each node
    above it, up to the root's.
    """
    _mark_wide(root)
    # Regexes of the same text are compiled once: subtrees of one shape share them.
    return _level("", root, (), wide=True, depth=0, patterns={})


def descend(level: Level, path: str) -> tuple[Entry, ...]:
    """The regexes to try for *path*, from a wide *level* at its first segment down."""
    entries, deeper = level
    for segment in path.split("/")[2:]:
        below = None if deeper is None else deeper.get(segment)
        if below is None:
            break
        entries, deeper = below
    return entries


#: Rules below a static node beyond which it is split by its next segment.
WIDE: Final = 64
#: Levels below a node beyond which it is walked in Python: a regex nests a
#: group per level, and Python's regex compiler recurses into each.
DEEPEST: Final = 12
#: Static segments below which a wide node is no longer split by segment.
LEVELS: Final = 8
#: Branchings of a trie of static texts, below which it lists the rest.
TRIE_DEPTH: Final = 4
#: What Python's regex compiler raises for a regex it cannot take.
_CANNOT_COMPILE: Final = (re.error, RecursionError, OverflowError, MemoryError)
#: An entry that matches every path and hands it over to the walk.
WALK: Final[Entry] = (re.compile("").match, 0, [()], {})


def _mark_wide(root: Node) -> None:
    """Mark the nodes with more than WIDE rules or DEEPEST levels below them."""
    order = []
    pending = [root]
    while pending:  # not recursive: a rule may have any number of segments
        node = pending.pop()
        order.append(node)
        pending.extend(node.children())
    counts: dict[int, tuple[int, int]] = {}
    for node in reversed(order):  # each node after every node below it
        below = [counts[id(child)] for child in node.children()]
        rules = len(node.routes) + sum(rules for rules, _ in below)
        height = 1 + max((height for _, height in below), default=0)
        counts[id(node)] = rules, height
        # The same answer for a node another version shares: its subtree is
        # the same. Its regex (_subtree) is kept: no node changes once in a tree.
        node.wide = rules > WIDE or height > DEEPEST


def _level(
    prefix: str,
    node: Node,
    above: tuple[Entry, ...],
    *,
    wide: bool,
    depth: int,
    patterns: dict[str, re.Pattern[str]],
) -> Level:
    if not wide:
        tree = CompiledTree(prefix, node, dynamic_only=False, patterns=patterns)
        return (tree.entry(), *above), None
    if depth == LEVELS:
        return (WALK, *above), None
    steps = above
    if node.dynamic:
        tree = CompiledTree(prefix + "/", node, dynamic_only=True, patterns=patterns)
        steps = (tree.entry(), *above)
    deeper = {
        text: _level(
            f"{prefix}/{text}",
            child,
            steps,
            wide=child.wide,
            depth=depth + 1,
            patterns=patterns,
        )
        for text, child in node.static.items()
    }
    return steps, deeper


def _trie(branches: dict[str, str], depth: int = 0) -> str:
    """One regex for many static texts, each followed by its own regex, as a trie.

    Python's regex engine tries alternatives one by one; a trie of characters
    keeps a choice among hundreds of segments (``page1`` ... ``page500``) to a
    few character tests, as Werkzeug's dict of static steps does. It nests a
    group at each branching, up to ``TRIE_DEPTH``; below, the rests are listed.
    """
    if len(branches) == 1 or depth == TRIE_DEPTH:
        return _any_of([re.escape(text) + regex for text, regex in branches.items()])
    shared = os.path.commonprefix(list(branches))  # noqa: RUF071 - of texts, not paths
    if shared:
        rests = {text[len(shared) :]: regex for text, regex in branches.items()}
        return re.escape(shared) + _trie(rests, depth)
    by_first: dict[str, dict[str, str]] = {}
    for text, regex in branches.items():
        if text:
            by_first.setdefault(text[0], {})[text[1:]] = regex
    options = [branches[""]] if "" in branches else []
    options.extend(re.escape(first) + _trie(rest, depth + 1) for first, rest in by_first.items())
    return _any_of(options)


def _any_of(options: list[str]) -> str:
    return options[0] if len(options) == 1 else f"(?:{'|'.join(options)})"
