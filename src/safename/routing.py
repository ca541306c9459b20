"""Rule patterns in Werkzeug's syntax, and a router that picks Werkzeug's winner, fast.

:class:`Pattern` is one rule: ``match`` reads a decoded path into values and
``build`` writes values into a percent-encoded path, with the promise that
``match(unquote(build(**values))) == values``: a value that would not come back
raises :class:`~safename.ConversionError` when the URL is built. ``string`` and
``path`` variables also take values that are not ``str``, written as Werkzeug
writes them, ``str(value)``; those come back as that text (``42`` as ``"42"``).

:class:`Router` holds many rules. When several match a path, the winner is
Werkzeug's: static parts beat variables segment by segment, then the lower
converter weight, then the rule added first. Static rules sit in a dict and
the others in a tree of segments, so the cost of a match does not grow with
the number of rules.

>>> router = Router()
>>> router.add("/post/<int:post_id>", "post")
Pattern('/post/<int:post_id>')
>>> router.match("/post/42")
('post', {'post_id': 42})
>>> router.build("post", post_id=7)
'/post/7'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

from safename._route_tree import Entry, Level, Node, Route, build_index, descend, search
from safename._rule_parser import RuleVariable, parse_converter_args, parse_rule
from safename._rule_parts import (
    GROUP_PREFIX,
    RulePart,
    Slot,
    read_values,
    reader,
    split_parts,
    template_regex,
)
from safename.converters import DEFAULT_CONVERTERS, Converter
from safename.errors import ConversionError, RuleSyntaxError

__all__ = [
    "Pattern",
    "Router",
    "RulePart",
    "RuleVariable",
    "parse_converter_args",
    "parse_rule",
]

# Werkzeug's: https://url.spec.whatwg.org/#url-path-segment-string, with "/".
_SAFE_IN_PATH: Final = "!$&'()*+,/:;=@"


class Pattern:
    """One URL rule in Werkzeug's syntax, matched and built with strict converters.

    :param rule: the rule, starting with ``/``: ``/user/<int:user_id>``.
    :param converters: extra converter classes by name, added to (or
        replacing) :data:`~safename.converters.DEFAULT_CONVERTERS`.
    :raises RuleSyntaxError: for a malformed rule, an unknown converter, or
        arguments the converter refuses.

    :ivar rule: the rule as given.
    :ivar tokens: the parsed rule: static text and :class:`RuleVariable`.
    :ivar converters: the converter of each variable, by name, in order.
    :ivar parts: the rule cut into :class:`RulePart`, as Werkzeug's matcher takes it.
    :ivar regex: the compiled regex of the whole path.

    >>> pattern = Pattern("/files/<path:name>")
    >>> pattern.match("/files/docs/a b.txt")
    {'name': 'docs/a b.txt'}
    >>> pattern.build(name="docs/a b.txt")
    '/files/docs/a%20b.txt'
    >>> Pattern("/<float:x>").build(x=1e-07), Pattern("/<float:x>").build(x=1e20)
    ('/0.0000001', '/100000000000000000000.0')
    >>> Pattern("/item/<id>").build(id=42), Pattern("/item/<id>").match("/item/42")
    ('/item/42', {'id': '42'})
    >>> Pattern("/<x>").build(x="a/b")
    Traceback (most recent call last):
    ...
    safename.errors.ConversionError: cannot write 'a/b' as a segment: a '/' inside a segment
    """

    def __init__(
        self, rule: str, converters: Mapping[str, type[Converter[Any]]] | None = None
    ) -> None:
        self.rule = rule
        self.tokens = parse_rule(rule)
        available = {**DEFAULT_CONVERTERS, **(converters or {})}
        self.converters: dict[str, Converter[Any]] = {
            token.name: _make_converter(rule, token, available)
            for token in self.tokens
            if isinstance(token, RuleVariable)
        }
        self.parts = split_parts(self.tokens, self.converters)
        self.is_static = not self.converters
        template: list[str | Slot] = [
            re.escape(token)
            if isinstance(token, str)
            else Slot(token.name, self.converters[token.name], number)
            for number, token in enumerate(self.tokens)
        ]
        self.regex = re.compile(template_regex(template, GROUP_PREFIX))
        self._readers = tuple(
            reader(piece, self.regex.groupindex, GROUP_PREFIX)
            for piece in template
            if isinstance(piece, Slot)
        )

    def __repr__(self) -> str:
        return f"Pattern({self.rule!r})"

    def match(self, path: str) -> dict[str, Any] | None:
        """The values in *path* (decoded, like WSGI ``PATH_INFO``), or ``None``.

        A converter that refuses its text (a bound, a dot segment, ...) makes
        the whole pattern not match.
        """
        match = self.regex.fullmatch(path)
        if match is None:
            return None
        return read_values(self._readers, match)

    def build(self, /, **values: Any) -> str:
        """The percent-encoded path for *values*, which :meth:`match` reads back.

        A ``string`` or ``path`` value that is not a ``str`` is written as
        ``str(value)``, and read back as that text.

        :raises TypeError: unless *values* names exactly the rule's variables.
        :raises ConversionError: for a value its converter cannot write, or
            values that would not read back from the path (for example two
            adjacent variables whose texts run into each other).
        """
        return _quote(self._build_text(values)[0])

    def _build_text(self, values: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The unquoted path for *values*, and the values :meth:`match` reads from it."""
        if values.keys() != self.converters.keys():
            expected = ", ".join(self.converters) or "no values"
            raise TypeError(f"{self!r} takes {expected}, got {', '.join(values) or 'none'}")
        converters = self.converters
        written = {name: converter.to_url(values[name]) for name, converter in converters.items()}
        text = "".join(
            token if isinstance(token, str) else written[token.name] for token in self.tokens
        )
        # `string` and `path` write 42 as "42" and read back "42": the promise is on that text.
        read_back = {
            name: converter._read_back(values[name], written[name])
            for name, converter in converters.items()
        }
        if self.match(text) != read_back:
            raise ConversionError(f"{dict(values)!r} would not read back from {text!r}")
        return text, read_back


def _make_converter(
    rule: str, token: RuleVariable, available: Mapping[str, type[Converter[Any]]]
) -> Converter[Any]:
    converter_class = available.get(token.converter)
    if converter_class is None:
        known = ", ".join(sorted(available))
        raise RuleSyntaxError(rule, f"unknown converter {token.converter!r} (known: {known})")
    try:
        converter = converter_class(*token.args, **token.kwargs)
    except (TypeError, ValueError) as error:
        problem = f"converter {token.converter!r} refused its arguments for {token.name!r}: {error}"
        raise RuleSyntaxError(rule, problem) from error
    try:
        # Named groups would clash once a router joins many rules into one regex.
        named = re.compile(converter.regex).groupindex
    except (re.error, OverflowError) as error:
        raise RuleSyntaxError(rule, f"the regex of {token.name!r} is not valid: {error}") from error
    if named:
        raise RuleSyntaxError(rule, f"the regex of {token.name!r} names groups: {sorted(named)}")
    return converter


def _quote(text: str) -> str:
    try:
        return quote(text, safe=_SAFE_IN_PATH)
    except UnicodeEncodeError as error:
        raise ConversionError(f"cannot encode {text!r} in a URL: {error.reason}") from error


class Router:
    """Many rules, each with an endpoint: match a path to its rule, build a path from values.

    When several rules match, the winner is Werkzeug's: at each segment a
    static part beats a variable, variables rank by Werkzeug's weights (more
    and longer static text first, then lower converter weight: ``int`` before
    ``string`` before ``path``), and then the rule added first wins. Where the
    winner's converter refuses the text (a bound, a non-canonical number), the
    next rule in that order is tried, so the result is always the first rule
    whose :meth:`Pattern.match` succeeds; Werkzeug answers 404 there instead.

    :param converters: extra converter classes by name, for every rule.

    >>> router = Router()
    >>> for rule, endpoint in [
    ...     ("/user/me", "me"),
    ...     ("/user/<int:user_id>", "by_id"),
    ...     ("/user/<name>", "by_name"),
    ...     ("/files/<path:name>", "file"),
    ... ]:
    ...     _ = router.add(rule, endpoint)
    >>> router.match("/user/me"), router.match("/user/42"), router.match("/user/ann")
    (('me', {}), ('by_id', {'user_id': 42}), ('by_name', {'name': 'ann'}))
    >>> router.match("/files/a/b.txt"), router.match("/nowhere")
    (('file', {'name': 'a/b.txt'}), None)
    >>> router.build("by_name", name="ann lee")
    '/user/ann%20lee'
    >>> router.build("by_name", name="me")
    Traceback (most recent call last):
    ...
    safename.errors.ConversionError: '/user/me' would reach 'me', not 'by_name' with {'name': 'me'}
    """

    def __init__(self, converters: Mapping[str, type[Converter[Any]]] | None = None) -> None:
        self._converters = dict(converters or {})
        self._static: dict[str, str] = {}
        self._root = Node()
        # Made again when first needed after a change: the regexes to try, by
        # first segment (see build_index), and those for any other.
        self._index: dict[str, tuple[Entry, ...]] = {}
        self._wide: dict[str, Level] = {}
        self._root_steps: tuple[Entry, ...] = ()
        self._stale = False
        self._by_endpoint: dict[str, list[Pattern]] = {}

    def add(self, rule: str, endpoint: str) -> Pattern:
        """Add *rule* for *endpoint*; return its :class:`Pattern`.

        :raises RuleSyntaxError: for a malformed rule.
        """
        pattern = Pattern(rule, self._converters)
        self._by_endpoint.setdefault(endpoint, []).append(pattern)
        if pattern.is_static:
            self._static.setdefault(rule, endpoint)
            return pattern
        node = self._root
        for part in pattern.parts[1:]:  # every rule and path starts with "/": part 0 is ""
            node = node.child(part)
        dynamic_parts = tuple(part for part in pattern.parts if not part.static)
        node.routes.append(Route(endpoint, pattern.match, dynamic_parts))
        self._stale = True
        return pattern

    def match(self, path: str) -> tuple[str, dict[str, Any]] | None:
        """The endpoint and values of the rule that wins *path* (decoded), or ``None``."""
        endpoint = self._static.get(path)
        if endpoint is not None:
            return endpoint, {}
        if self._stale:
            self._compile()
        try:
            first = path.split("/", 2)[1]
        except IndexError:  # no "/": no rule matches
            return None
        entries = self._index.get(first)
        if entries is None:
            wide = self._wide.get(first)
            entries = self._root_steps if wide is None else descend(wide, path)
        # Inlined read_values: this is the hot path.
        for regex_match, ends in entries:
            match = regex_match(path)
            if match is None:
                continue
            for endpoint, readers in ends[match.lastindex or 0]:
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
            # The first candidate's converters refused: Werkzeug's walk in
            # Python goes on to the next rule in the same order.
            return search(self._root, path.split("/"), 1, 1, path)
        return None

    def _compile(self) -> None:
        self._root_steps, levels = build_index(self._root)
        # By first segment: the regexes to try, or for a wide one the levels below.
        levels = levels or {}
        self._index = {first: entries for first, (entries, below) in levels.items() if not below}
        self._wide = {first: level for first, level in levels.items() if level[1]}
        self._stale = False

    def build(self, endpoint: str, /, **values: Any) -> str:
        """The percent-encoded path that routes back to *endpoint* with *values*.

        The rules of *endpoint* whose variables are exactly the names given
        are tried in the order added; the first that can write the values,
        into a path that :meth:`match` gives back to this endpoint with these
        values, is used.

        :raises LookupError: for an endpoint without rules.
        :raises TypeError: if no rule of the endpoint takes exactly these names.
        :raises ConversionError: if no such rule can write the values so that
            they route back (the first rule's reason is given).
        """
        patterns = self._by_endpoint.get(endpoint)
        if patterns is None:
            raise LookupError(f"no rule has the endpoint {endpoint!r}")
        first_error: ConversionError | None = None
        for pattern in patterns:
            if values.keys() != pattern.converters.keys():
                continue
            try:
                return _quote(self._routed_text(pattern, endpoint, values))
            except ConversionError as error:
                first_error = first_error or error
        if first_error is not None:
            raise first_error
        wanted = " or ".join(repr(tuple(pattern.converters)) for pattern in patterns)
        raise TypeError(f"{endpoint!r} takes {wanted}, got {tuple(values)!r}")

    def _routed_text(self, pattern: Pattern, endpoint: str, values: dict[str, Any]) -> str:
        text, read_back = pattern._build_text(values)
        routed = self.match(text)
        if routed != (endpoint, read_back):
            where = "nowhere" if routed is None else repr(routed[0])
            message = f"{text!r} would reach {where}, not {endpoint!r} with {values!r}"
            raise ConversionError(message)
        return text
