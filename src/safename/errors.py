"""Typed errors with machine-readable reasons.

Every error safename raises for bad input is a :class:`ValueError` subclass,
so ``except ValueError`` keeps working, and carries the offending input so a
log line says what was refused and why.
"""

from __future__ import annotations

import enum

__all__ = [
    "ConversionError",
    "FilenameReason",
    "NoReplaceUnsupportedError",
    "PathReason",
    "RuleSyntaxError",
    "SafenameError",
    "UnsafeFilenameError",
    "UnsafePathError",
    "UnsupportedRegexError",
]


class SafenameError(ValueError):
    """Base class of every error safename raises for bad input."""


class FilenameReason(enum.Enum):
    """Why a name is not a safe filename (the value is a stable, short code)."""

    EMPTY = "empty"
    TRAVERSAL = "traversal"
    SEPARATOR = "separator"
    CONTROL_CHARACTER = "control_character"
    INVISIBLE_CHARACTER = "invisible_character"
    INVALID_CHARACTER = "invalid_character"
    NOT_NORMALIZED = "not_normalized"
    RESERVED_NAME = "reserved_name"
    TOO_LONG = "too_long"
    LEADING_DOT_OR_DASH = "leading_dot_or_dash"
    TRAILING_DOT_OR_SPACE = "trailing_dot_or_space"
    EDGE_UNDERSCORE = "edge_underscore"
    #: A colon: on Windows it names a drive (``C:x``), an NTFS alternate data
    #: stream (``file.txt:stream``, ``file.txt::$DATA``) or ends a device (``CON:``).
    COLON = "colon"
    #: In safename's own namespace (``.safename-...`` in any case or look-alike
    #: spelling): the names its writers use for their temporaries.
    RESERVED_NAMESPACE = "reserved_namespace"


class UnsafeFilenameError(SafenameError):
    """A name broke one of the filename rules.

    >>> error = UnsafeFilenameError("CON.txt", FilenameReason.RESERVED_NAME)
    >>> error.reason.value, error.filename
    ('reserved_name', 'CON.txt')
    >>> str(error)
    "unsafe filename 'CON.txt': reserved_name"
    """

    def __init__(self, filename: str, reason: FilenameReason) -> None:
        super().__init__(f"unsafe filename {filename!r}: {reason.value}")
        self.filename = filename
        self.reason = reason


class PathReason(enum.Enum):
    """Why a path was refused: it would leave its base directory, or name something unsafe."""

    TRAVERSAL = "traversal"
    ABSOLUTE = "absolute"
    DRIVE = "drive"
    UNC = "unc"
    BACKSLASH = "backslash"
    NUL = "nul"
    #: A component is a Windows device name (``CON``, ``nul.txt``, ``COM1 . log``),
    #: refused on every OS since files and paths move between systems.
    DEVICE_NAME = "device_name"
    #: A symbolic link stands where a directory was expected, and is not followed.
    SYMLINK = "symlink"
    #: A component the preserving filename profile refuses for another reason
    #: (a colon, a control or invisible character, a trailing dot or space...);
    #: the error's ``name_reason`` is the :class:`FilenameReason`.
    UNSAFE_NAME = "unsafe_name"


class UnsafePathError(SafenameError):
    """A path refused by :func:`safename.safe_join` or :func:`safename.paths.open_directory`.

    Its ``reason`` says why: it would leave the base directory, a component
    is a device name or another name the preserving profile refuses, or a
    symbolic link stands where a directory should be. For
    ``PathReason.UNSAFE_NAME``, ``name_reason`` says which filename rule the
    component broke; otherwise it is ``None``.

    >>> error = UnsafePathError("../etc", PathReason.TRAVERSAL)
    >>> error.reason is PathReason.TRAVERSAL, str(error)
    (True, "unsafe path '../etc': traversal")
    >>> str(UnsafePathError("a.txt:x", PathReason.UNSAFE_NAME, FilenameReason.COLON))
    "unsafe path 'a.txt:x': unsafe_name (colon)"
    """

    def __init__(
        self, path: str, reason: PathReason, name_reason: FilenameReason | None = None
    ) -> None:
        detail = "" if name_reason is None else f" ({name_reason.value})"
        super().__init__(f"unsafe path {path!r}: {reason.value}{detail}")
        self.path = path
        self.reason = reason
        self.name_reason = name_reason


class ConversionError(SafenameError):
    """A URL converter could not read a text or write a value.

    Raised by ``to_python`` for text that is not a valid value, and by
    ``to_url`` for a value that could not be read back unchanged.

    >>> raise ConversionError("not an integer: 'x'")
    Traceback (most recent call last):
    ...
    safename.errors.ConversionError: not an integer: 'x'
    """


class RuleSyntaxError(SafenameError):
    """A URL rule is malformed: bad syntax, an unknown converter, or bad converter arguments.

    >>> error = RuleSyntaxError("/user/<id", "unclosed '<' at position 6")
    >>> error.rule, str(error)
    ('/user/<id', "malformed rule '/user/<id': unclosed '<' at position 6")
    """

    def __init__(self, rule: str, problem: str) -> None:
        super().__init__(f"malformed rule {rule!r}: {problem}")
        self.rule = rule
        self.problem = problem


class UnsupportedRegexError(RuleSyntaxError):
    """A converter's regex uses a construct the linear-time matcher cannot read.

    Back-references, look-behinds, conditionals, anchors and atomic groups
    would leave the part to Python's backtracking ``re``, whose time a path
    can make polynomial or exponential. A converter class that sets
    ``trusted_regex = True`` is read by ``re`` instead of being refused.

    :ivar variable: the variable whose converter's regex was refused.
    :ivar construct: what the matcher cannot read (``'a look-behind'``).

    >>> error = UnsupportedRegexError("/<slug:s>", "s", "a look-behind")
    >>> error.rule, error.variable, error.construct
    ('/<slug:s>', 's', 'a look-behind')
    >>> isinstance(error, RuleSyntaxError) and isinstance(error, ValueError)
    True
    """

    def __init__(self, rule: str, variable: str, construct: str) -> None:
        super().__init__(
            rule,
            f"the regex of {variable!r} uses {construct}, which the linear-time matcher "
            "cannot read; set trusted_regex = True on its converter class to read it with re",
        )
        self.variable = variable
        self.construct = construct


class NoReplaceUnsupportedError(OSError):
    """No atomic no-clobber rename exists here for this entry; the caller needs its own fallback.

    Raised by :func:`~safename.paths.move_without_replacing` for a directory where
    ``renameat2`` is missing, and for a file where hard links are refused
    too. Nothing was changed.

    >>> issubclass(NoReplaceUnsupportedError, OSError)
    True
    """
