"""The converter classes; public as :mod:`safename.converters`, whose docstring has the promises."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final, Generic, TypeVar

from safename.errors import ConversionError, UnsafeFilenameError
from safename.filenames import _rules, validate_filename
from safename.routing import _readers
from safename.routing._arguments import (
    MAX_COUNT,
    bound,
    check_bounds,
    check_range,
    count,
    flag,
    show,
)

__all__ = [
    "DEFAULT_CONVERTERS",
    "MAX_COUNT",
    "REGISTERED_NAMES",
    "AnyConverter",
    "Converter",
    "FilenameConverter",
    "FloatConverter",
    "IntConverter",
    "PathConverter",
    "StringConverter",
    "UUIDConverter",
]

T = TypeVar("T")


def _isolates(regex: str) -> bool:
    """Whether *regex* stays inside one path segment (``[^/]`` is no slash)."""
    return "/" not in regex.replace("[^/]", "")


class Converter(Generic[T]):
    """The base of every converter: a regex and a pair of inverse functions.

    Subclass it for a custom converter and register the class under a name
    with the ``converters`` argument of :class:`~safename.routing.Pattern` or
    :class:`~safename.routing.Router`. Keep the two promises of this module:
    raise :class:`~safename.ConversionError` rather than write a text that
    does not read back.

    :cvar regex: what one value's text looks like (no anchors, no ``\\Z``).
        An instance may set its own, from its arguments.
    :cvar weight: the rule-ordering weight: lower is tried first among
        variables at the same place (Werkzeug's: 50 for numbers, 100 by
        default, 200 for paths).
    :cvar trusted_regex: let Python's ``re`` read a regex that the
        linear-time matcher cannot (a back-reference, a look-behind): a rule
        with such a converter is otherwise refused with
        :class:`~safename.errors.UnsupportedRegexError`. Set it only for a
        regex whose backtracking you have bounded yourself.
    :cvar part_isolating: whether the regex stays inside one path segment;
        derived from ``regex`` when a subclass sets one (a ``/`` outside
        ``[^/]`` means it may cross segments), as Werkzeug does.

    >>> class Hex(Converter[int]):
    ...     regex = "[0-9a-f]+"
    ...
    ...     def to_python(self, text: str) -> int:
    ...         return int(text, 16)
    ...
    ...     def to_url(self, value: int) -> str:
    ...         return format(value, "x")
    >>> Hex().to_python("ff"), Hex().to_url(255), Hex.part_isolating
    (255, 'ff', True)
    """

    regex: str = "[^/]+"
    weight: int = 100
    part_isolating: bool = True
    trusted_regex: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "regex" in cls.__dict__ and "part_isolating" not in cls.__dict__:
            cls.part_isolating = _isolates(cls.regex)
        if "to_python" in cls.__dict__ and "_matched_reader" not in cls.__dict__:
            # A class that reads in its own to_python is read by it, as Werkzeug
            # reads it: not by the faster reader of a built-in class it extends.
            cls._matched_reader = Converter._matched_reader  # type: ignore[method-assign]

    def to_python(self, text: str) -> T:
        """Read the value written as *text* (decoded, like WSGI ``PATH_INFO``).

        :raises ConversionError: if *text* is not a valid value.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define to_python")

    def to_url(self, value: T) -> str:
        """Write *value* as unquoted text that :meth:`to_python` reads back.

        :raises ConversionError: if *value* cannot be written that way.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define to_url")

    def _read_back(self, value: Any, text: str) -> Any:
        # What to_python reads from `text`, which to_url wrote for `value`: the
        # value itself, by the promise; the text for a value written via str().
        return value

    def _matched_reader(self) -> Callable[[str], T]:
        # The fastest callable that reads a text which already fully matched
        # `regex` as to_python does (a router's match: the built-in converters
        # skip that check again); it may raise any ValueError to refuse.
        return self.to_python

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.regex!r}>"


def _segment_problem(text: str) -> str | None:
    """Why *text* cannot be one path segment of a URL, or ``None`` if it can."""
    if not text:
        return "an empty segment"
    if "/" in text:
        return "a '/' inside a segment"
    # URL clients resolve dot segments away, even written %2E%2E: such a value cannot survive.
    if text in _rules.DOT_SEGMENTS:
        return f"the dot segment {text!r}"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "a lone surrogate, which UTF-8 cannot encode"
    return None


def _require_text(value: object) -> str:
    if not isinstance(value, str):
        raise ConversionError(f"not a string: {value!r}")
    return value


def _as_text(value: object) -> str:
    """*value* as Werkzeug writes it in a URL, ``str(value)``, but never ``None`` or bytes.

    >>> _as_text(42), _as_text(1.5), _as_text("a")
    ('42', '1.5', 'a')
    """
    if isinstance(value, str):
        return value
    if value is None:
        # Werkzeug leaves a None value out of the URL; "None" is never meant.
        raise ConversionError("no value: None")
    if isinstance(value, bytes | bytearray | memoryview):
        raise ConversionError(f"bytes, not text: {value!r}; decode them first")
    try:
        return str(value)
    except ValueError as error:  # an int with more digits than str() writes
        kind = type(value).__name__
        raise ConversionError(f"cannot write the {kind} as text: {error}") from error


class _TextConverter(Converter[str]):
    """A converter whose value is its text: ``to_url`` takes any value through ``str``."""

    def _check(self, text: str) -> str:
        raise NotImplementedError

    def to_python(self, text: str) -> str:
        """Return *text* itself, once checked."""
        return self._check(text)

    def to_url(self, value: object) -> str:
        """Return ``str(value)`` once checked (*value* itself for a ``str``).

        :raises ConversionError: for ``None``, bytes, or a text that would not read back.
        """
        return self._check(_as_text(value))

    def _read_back(self, value: Any, text: str) -> str:
        return text


class StringConverter(_TextConverter):
    """One path segment: any text without a ``/``, the default converter.

    Refuses the empty string, ``.`` and ``..`` (clients resolve them away),
    lone surrogates (UTF-8 cannot encode them), and lengths out of bounds.

    ``to_url`` writes a value that is not a ``str`` as Werkzeug does, as
    ``str(value)`` (``42`` is ``"42"``, a ``UUID`` its hyphenated text), with
    the same refusals on that text; ``None`` and bytes are refused. The round
    trip is then on the text: ``to_python(to_url(value)) == str(value)``.

    :param minlength: the minimum length, at least 1.
    :param maxlength: the maximum length, or ``None``.
    :param length: the exact length; overrides the other two.
    :raises ValueError: for bounds that no text can meet, or above ``MAX_COUNT``.
    :raises TypeError: for a bound that is not an int.

    >>> StringConverter(length=2).to_python("en"), StringConverter().to_url(42)
    ('en', '42')
    >>> StringConverter().to_url("a/b")
    Traceback (most recent call last):
    ...
    safename.errors.ConversionError: cannot write 'a/b' as a segment: a '/' inside a segment
    """

    def __init__(
        self, minlength: int = 1, maxlength: int | None = None, length: int | None = None
    ) -> None:
        if length is not None:
            minlength = maxlength = count("length", length, minimum=1)
        minlength = count("minlength", minlength, minimum=1)
        if maxlength is not None:
            maxlength = count("maxlength", maxlength, minimum=1)
        if maxlength is not None and maxlength < minlength:
            message = f"no text has a length in [{minlength}, {maxlength}]"
            raise ValueError(message)
        self.minlength = minlength
        self.maxlength = maxlength
        if minlength == maxlength:
            self.regex = f"[^/]{{{minlength}}}"
        else:
            self.regex = f"[^/]{{{minlength},{'' if maxlength is None else maxlength}}}"

    def _check(self, text: str) -> str:
        problem = _segment_problem(text)
        if problem is not None:
            raise ConversionError(f"cannot write {text!r} as a segment: {problem}")
        too_long = self.maxlength is not None and len(text) > self.maxlength
        if too_long or len(text) < self.minlength:
            bounds = f"[{self.minlength}, {self.maxlength}]"
            raise ConversionError(f"length {len(text)} of {text!r} is outside {bounds}")
        return text

    def _matched_reader(self) -> Callable[[str], str]:
        # The regex has checked the length and the slashes; compiled in that build.
        return _readers.segment_text(self._check)


def _int_regex(fixed_digits: int, *, signed: bool) -> str:
    # Canonical forms only: no leading zeros (but with fixed_digits), no "-0".
    if not fixed_digits:
        return "(?:0|-?[1-9][0-9]*)" if signed else "(?:0|[1-9][0-9]*)"
    unsigned = f"[0-9]{{{fixed_digits}}}"
    if not signed or fixed_digits < 2:
        return unsigned
    # Werkzeug counts the sign in fixed_digits: -5 is "-05" for 3 digits.
    return f"(?:{unsigned}|-(?!0{{{fixed_digits - 1}}})[0-9]{{{fixed_digits - 1}}})"


class IntConverter(Converter[int]):
    """An integer written with ASCII digits, in its one canonical form.

    The text is what ``str`` writes (``zfill``-ed to *fixed_digits*, the sign
    counted, as Werkzeug does); leading zeros, ``-0``, ``+``, ``_``, spaces
    and non-ASCII digits are refused, so each value has exactly one URL.

    :param fixed_digits: the exact width of the text (``3``: ``007``), or 0.
    :param min: the smallest value allowed, or ``None``.
    :param max: the largest value allowed, or ``None``.
    :param signed: allow negative values.
    :raises ValueError: for *fixed_digits* below 0 or above ``MAX_COUNT``, or
        *min* above *max*.
    :raises TypeError: for an argument of another type (``min="5"``, ``signed=1``).

    >>> IntConverter(fixed_digits=3).to_url(7), IntConverter().to_python("42")
    ('007', 42)
    >>> IntConverter().to_python("٣")
    Traceback (most recent call last):
    ...
    safename.errors.ConversionError: not an integer in canonical form: '٣'
    """

    weight = 50

    def __init__(
        self,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        self.fixed_digits = fixed_digits = count("fixed_digits", fixed_digits, minimum=0)
        self.min = min = bound("min", min, allow_float=False)
        self.max = max = bound("max", max, allow_float=False)
        check_range(min, max)
        self.signed = signed = flag("signed", signed)
        self._bounded = min is not None or max is not None
        self.regex = _int_regex(fixed_digits, signed=signed)
        self._fullmatch = re.compile(self.regex).fullmatch

    def to_python(self, text: str) -> int:
        """Read the integer written as *text*."""
        if self._fullmatch(text) is None:
            raise ConversionError(f"not an integer in canonical form: {text!r}")
        return self._read_matched(text)

    def _matched_reader(self) -> Callable[[str], int]:
        return self._read_matched if self._bounded else int

    def _read_matched(self, text: str) -> int:
        try:
            value = int(text)
        except ValueError as error:  # more digits than int() takes (sys.set_int_max_str_digits)
            raise ConversionError(f"too many digits: {len(text)}") from error
        if self._bounded:
            check_bounds(value, self.min, self.max)
        return value

    def to_url(self, value: int) -> str:
        """Write *value* as ASCII digits."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConversionError(f"not an integer: {value!r}")
        if value < 0 and not self.signed:
            raise ConversionError(f"{show(value)} is negative and the converter is not signed")
        check_bounds(value, self.min, self.max)
        try:
            text = str(value)
        except ValueError as error:
            raise ConversionError("too many digits to write") from error
        if self.fixed_digits:
            if len(text) > self.fixed_digits:
                raise ConversionError(f"{show(value)} has more than {self.fixed_digits} digits")
            text = text.zfill(self.fixed_digits)
        return text


def _float_text(value: float) -> str:
    """The canonical URL text of a finite float: shortest round-trip digits, no exponent.

    >>> _float_text(1.5), _float_text(1e20), _float_text(1e-07), _float_text(-0.0)
    ('1.5', '100000000000000000000.0', '0.0000001', '-0.0')
    """
    text = repr(value)
    if "e" in text:
        # repr's digits are the shortest that read back; Decimal writes them out
        # in full, so Werkzeug's regex (digits, a dot, digits) still matches.
        text = format(Decimal(text), "f")
        if "." not in text:
            text += ".0"
    return text


class FloatConverter(Converter[float]):
    """A finite float, written so that it reads back exactly.

    The text is ``repr`` (shortest round trip: ``1.5`` stays ``1.5``), written
    out in plain decimal where ``repr`` uses an exponent (``1e-07`` becomes
    ``0.0000001``), so every finite float round-trips, however large or small.
    NaN and infinities are refused. ``-0.0`` keeps its sign: it is ``-0.0``
    when *signed*, and refused otherwise. Only the canonical text is read
    (``1.50`` and ``01.5`` are not a second URL for ``1.5``).

    :param min: the smallest value allowed, or ``None``.
    :param max: the largest value allowed, or ``None``.
    :param signed: allow negative values (and ``-0.0``).
    :raises ValueError: for *min* above *max*, or a NaN bound.
    :raises TypeError: for an argument of another type.

    >>> FloatConverter().to_url(1e-07), FloatConverter().to_python("0.0000001")
    ('0.0000001', 1e-07)
    >>> FloatConverter().to_url(float("nan"))
    Traceback (most recent call last):
    ...
    safename.errors.ConversionError: cannot write nan in a URL: not finite
    """

    weight = 50

    def __init__(
        self,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        self.min = min = bound("min", min, allow_float=True)
        self.max = max = bound("max", max, allow_float=True)
        check_range(min, max)
        self.signed = signed = flag("signed", signed)
        self.regex = r"-?[0-9]+\.[0-9]+" if signed else r"[0-9]+\.[0-9]+"
        self._fullmatch = re.compile(self.regex).fullmatch

    def to_python(self, text: str) -> float:
        """Read the float written as *text*."""
        if self._fullmatch(text) is None:
            raise ConversionError(f"not a decimal number: {text!r}")
        return self._read_matched(text)

    def _read_matched(self, text: str) -> float:
        value = float(text)
        if repr(value) != text and _float_text(value) != text:
            raise ConversionError(f"{text!r} is not the canonical text of {value!r}")
        check_bounds(value, self.min, self.max)
        return value

    def _matched_reader(self) -> Callable[[str], float]:
        if self.min is None and self.max is None:
            return _readers.canonical_float(self._read_matched)
        return self._read_matched

    def to_url(self, value: float) -> str:
        """Write *value* in plain decimal notation."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConversionError(f"not a float: {value!r}")
        try:
            number = float(value)
        except OverflowError as error:
            raise ConversionError(f"{value!r} is too large for a float") from error
        if not math.isfinite(number):
            raise ConversionError(f"cannot write {value!r} in a URL: not finite")
        if number != value:
            raise ConversionError(f"{value!r} is not exactly a float")
        if math.copysign(1.0, number) < 0 and not self.signed:
            raise ConversionError(f"{value!r} is negative and the converter is not signed")
        check_bounds(number, self.min, self.max)
        return _float_text(number)


class PathConverter(_TextConverter):
    """Several segments joined by ``/``, for wikis and file paths.

    Refuses empty segments (a leading, trailing or doubled ``/``) and the
    dot segments ``.`` and ``..``, which clients resolve away and which are
    a traversal hazard for the handler.

    ``to_url`` writes a value that is not a ``str`` as ``str(value)``, with
    the same refusals on that text, as :class:`StringConverter` does
    (``PurePosixPath("a/b")`` is ``"a/b"``); the round trip is on the text.

    >>> PathConverter().to_python("docs/guide/index.md")
    'docs/guide/index.md'
    >>> PathConverter().to_url("docs/../secret")
    Traceback (most recent call last):
    ...
    safename.errors.ConversionError: cannot write 'docs/../secret' as a path: the dot segment '..'
    """

    # As few characters as it can, as Werkzeug's lazy "[^/].*?": in
    # "<path:a>/<path:b>" and in "<path:name>.<ext>" (inside a segment too)
    # the values are Werkzeug's.
    regex = "[^/]+?(?:/[^/]+?)*?"
    weight = 200

    def _check(self, text: str) -> str:
        for segment in text.split("/"):
            problem = _segment_problem(segment)
            if problem is not None:
                raise ConversionError(f"cannot write {text!r} as a path: {problem}")
        return text

    def _matched_reader(self) -> Callable[[str], str]:
        # The regex leaves no empty segment; compiled in that build.
        return _readers.path_text(self._check)


class AnyConverter(Converter[str]):
    """One of a fixed set of segments.

    :param items: the accepted texts; each must be a valid segment.
    :raises ValueError: for no items, or an item that cannot be a segment.

    >>> AnyConverter("about", "help").to_python("help")
    'help'
    >>> AnyConverter("about", "help").to_url("imprint")
    Traceback (most recent call last):
    ...
    safename.errors.ConversionError: 'imprint' is not one of 'about', 'help'
    """

    def __init__(self, *items: str) -> None:
        if not items:
            raise ValueError("AnyConverter needs at least one item")
        for item in items:
            problem = _segment_problem(item) if isinstance(item, str) else "not a string"
            if problem is not None:
                raise ValueError(f"cannot use {item!r} as an item: {problem}")
        self.items = tuple(dict.fromkeys(items))
        self._item_set = frozenset(items)
        self.regex = f"(?:{'|'.join(map(re.escape, self.items))})"

    def _check(self, text: object) -> str:
        if not isinstance(text, str) or text not in self._item_set:
            choices = ", ".join(map(repr, self.items))
            raise ConversionError(f"{text!r} is not one of {choices}")
        return text

    def to_python(self, text: str) -> str:
        """Return *text* if it is one of the items."""
        return self._check(text)

    def _matched_reader(self) -> Callable[[str], str]:
        return str  # the regex is the items

    def to_url(self, value: str) -> str:
        """Return *value* if it is one of the items."""
        return self._check(value)


class UUIDConverter(Converter[uuid.UUID]):
    """A UUID in its canonical text: lower-case hex with hyphens, as ``str(UUID)`` writes it.

    >>> value = UUIDConverter().to_python("12345678-1234-5678-1234-567812345678")
    >>> UUIDConverter().to_url(value) == str(value)
    True
    """

    regex = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    _fullmatch = re.compile(regex).fullmatch

    def to_python(self, text: str) -> uuid.UUID:
        """Read the UUID written as *text*."""
        if self._fullmatch(text) is None:
            raise ConversionError(f"not a lower-case hyphenated UUID: {text!r}")
        return self._read_matched(text)

    def _read_matched(self, text: str) -> uuid.UUID:
        return _readers.uuid_value(text)

    def _matched_reader(self) -> Callable[[str], uuid.UUID]:
        return _readers.uuid_value

    def to_url(self, value: uuid.UUID) -> str:
        """Write *value* as ``str`` does."""
        if not isinstance(value, uuid.UUID):
            raise ConversionError(f"not a UUID: {value!r}")
        return str(value)


class FilenameConverter(Converter[str]):
    """A segment that is a safe filename: exactly what :func:`safename.is_safe_filename` accepts.

    The bridge between the URL and the file system, for download routes: the
    value can be joined to a directory as it is.

    :param max_length: the limit in UTF-8 bytes.
    :param allow_unicode: accept letters, marks and digits of every script (in NFC).
    :raises ValueError: for a *max_length* below 1 or above ``MAX_COUNT``.
    :raises TypeError: for an argument of another type.

    >>> FilenameConverter().to_python("report-2024.pdf")
    'report-2024.pdf'
    >>> FilenameConverter().to_python("CON.txt")
    Traceback (most recent call last):
    ...
    safename.errors.ConversionError: not a safe filename: 'CON.txt' (reserved_name)
    """

    def __init__(
        self, max_length: int = _rules.DEFAULT_MAX_LENGTH, allow_unicode: bool = False
    ) -> None:
        self.max_length = max_length = count("max_length", max_length, minimum=1)
        self.allow_unicode = allow_unicode = flag("allow_unicode", allow_unicode)
        # A superset, for routing; the filename rules decide in _check.
        characters = "[^/]" if allow_unicode else "[A-Za-z0-9_.-]"
        self.regex = f"{characters}{{1,{max_length}}}"

    def _check(self, text: str) -> str:
        try:
            validate_filename(text, max_length=self.max_length, allow_unicode=self.allow_unicode)
        except UnsafeFilenameError as error:
            message = f"not a safe filename: {text!r} ({error.reason.value})"
            raise ConversionError(message) from error
        return text

    def to_python(self, text: str) -> str:
        """Return *text* if it is a safe filename."""
        return self._check(text)

    def to_url(self, value: str) -> str:
        """Return *value* if it is a safe filename."""
        return self._check(_require_text(value))


# The converters whose regex cannot match a "/" (a subclass may change its regex).
SLASH_FREE: Final = frozenset(
    {StringConverter, IntConverter, FloatConverter, AnyConverter, UUIDConverter, FilenameConverter}
)

#: The converters the framework adapters register by default: those that need no
#: arguments. ``default`` is another name for ``string``; ``any`` needs its items.
REGISTERED_NAMES: Final = ("string", "int", "float", "path", "uuid", "filename")

#: The converters a rule can name, by name: Werkzeug's set plus ``filename``.
DEFAULT_CONVERTERS: Final[Mapping[str, type[Converter[Any]]]] = MappingProxyType(
    {
        "default": StringConverter,
        "string": StringConverter,
        "int": IntConverter,
        "float": FloatConverter,
        "path": PathConverter,
        "any": AnyConverter,
        "uuid": UUIDConverter,
        "filename": FilenameConverter,
    }
)
