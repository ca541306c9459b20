"""The router: :class:`Pattern` (one rule, matched and built) and :class:`Router` (many).

:class:`Router` keeps the endpoints, a dict of static rules and ``build``; it
hands every other rule to a :class:`~safename.routing.matcher.Matcher`, which
owns the tree of rule parts, its index and the hot loop.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import quote

from safename.errors import ConversionError, RuleSyntaxError, UnsupportedRegexError
from safename.routing.converters import DEFAULT_CONVERTERS, Converter
from safename.routing.matcher import Matcher
from safename.routing.rules import (
    GROUP_PREFIX,
    RuleVariable,
    Slot,
    UnreadableRegex,
    capture_rule,
    parse_rule,
    read_values,
    reader,
    split_parts,
    template_regex,
)

__all__ = ["SAFE_IN_PATH", "Pattern", "Router"]

#: The characters a built URL path leaves unquoted: Werkzeug's set, from
#: https://url.spec.whatwg.org/#url-path-segment-string, with "/".
SAFE_IN_PATH: Final = "!$&'()*+,/:;=@"


class Pattern:
    """One URL rule in Werkzeug's syntax, matched and built with strict converters.

    :param rule: the rule, starting with ``/``: ``/user/<int:user_id>``.
    :param converters: extra converter classes by name, added to (or
        replacing) :data:`~safename.routing.converters.DEFAULT_CONVERTERS`.
    :raises RuleSyntaxError: for a malformed rule, an unknown converter, or
        arguments the converter refuses.

    :ivar rule: the rule as given.
    :ivar tokens: the parsed rule: static text and :class:`RuleVariable`.
    :ivar converters: the converter of each variable, by name, in order.
    :ivar parts: the rule cut into :class:`RulePart`, as Werkzeug's matcher takes it.
    :ivar regex: the compiled regex of the whole path.
    :ivar linear: whether ``regex`` reads a path in linear time, and so
        ``match`` uses it; otherwise each part reads its own segment, a part
        with several variables through an NFA (see :doc:`security`).

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
        try:
            self.parts = split_parts(self.tokens, self.converters)
        except UnreadableRegex as error:
            raise UnsupportedRegexError(rule, error.slot.name, error.construct) from None
        self.is_static = not self.converters
        template: list[str | Slot] = [
            token
            if isinstance(token, str)
            else Slot(token.name, self.converters[token.name], number)
            for number, token in enumerate(self.tokens)
        ]
        self.regex = re.compile(template_regex(template, GROUP_PREFIX))
        slots = [piece for piece in template if isinstance(piece, Slot)]
        # Python's re reads the whole path in linear time when every part is
        # linear (see is_linear); otherwise each part reads its own text.
        self.linear = all(part.linear for part in self.parts)
        in_order = {slot.group(GROUP_PREFIX): number for number, slot in enumerate(slots)}
        self._text_readers = tuple(reader(slot, in_order, GROUP_PREFIX) for slot in slots)
        if self.linear:
            self._readers = tuple(
                reader(slot, self.regex.groupindex, GROUP_PREFIX) for slot in slots
            )
        else:
            self._readers = self._text_readers

    def __repr__(self) -> str:
        return f"Pattern({self.rule!r})"

    def match(self, path: str) -> dict[str, Any] | None:
        """The values in *path* (decoded, like WSGI ``PATH_INFO``), or ``None``.

        A converter that refuses its text (a bound, a dot segment, ...) makes
        the whole pattern not match.
        """
        found = self.regex.fullmatch(path) if self.linear else capture_rule(self.parts, path)
        if found is None:
            return None
        return read_values(self._readers, found)

    def _read_texts(self, texts: Sequence[str]) -> dict[str, Any] | None:
        """The values of the texts the variables captured (:func:`capture_rule`), or ``None``."""
        return read_values(self._text_readers, texts)

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
        return quote(text, safe=SAFE_IN_PATH)
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

    A router may be shared between threads: :meth:`add` may run while other
    threads match or build, and each of those then sees the rules before the
    add or after it, never a mix, and needs no lock (see :doc:`routing`).

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
        # Each change a match or a build can see is one atomic store: a dict
        # item, or the matcher's new version (see Matcher). A tuple of
        # patterns is replaced, never changed.
        self._static: dict[str, str] = {}
        self._matcher = Matcher()
        self._by_endpoint: dict[str, tuple[Pattern, ...]] = {}
        # Serialises adders: two must not both extend the same endpoint's patterns.
        self._adding = threading.Lock()

    def add(self, rule: str, endpoint: str) -> Pattern:
        """Add *rule* for *endpoint*; return its :class:`Pattern`.

        Any rule :class:`Pattern` accepts can be added, whatever its length:
        a problem with a rule raises here, never at a later match.

        Safe while other threads match or build: they find the rule or not,
        and every other rule as before.

        :raises RuleSyntaxError: for a malformed rule.
        """
        pattern = Pattern(rule, self._converters)
        with self._adding:
            if pattern.is_static:
                self._static.setdefault(rule, endpoint)
            else:
                self._matcher.add(pattern.parts, endpoint, pattern.match, pattern._read_texts)
            # Last: a build that finds the pattern finds the match that routes to it.
            self._by_endpoint[endpoint] = (*self._by_endpoint.get(endpoint, ()), pattern)
        return pattern

    def match(self, path: str) -> tuple[str, dict[str, Any]] | None:
        """The endpoint and values of the rule that wins *path* (decoded), or ``None``.

        The time is linear in the length of *path* for rules of built-in
        converters, and does not grow with the number of rules (see
        :doc:`security`).
        """
        endpoint = self._static.get(path)
        if endpoint is not None:
            return endpoint, {}
        return self._matcher.match(path)

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
