"""safename: safe filenames and strict URL converters for untrusted names.

>>> from safename import secure_filename, is_safe_filename
>>> secure_filename("../../../etc/passwd")
'etc_passwd'
>>> is_safe_filename("etc_passwd")
True
"""

from typing import Final

from safename import _build, filenames
from safename._filename_rules import RESERVED_NAMES
from safename.archives import ArchiveReason, UnsafeArchiveError, safe_extract
from safename.converters import (
    DEFAULT_CONVERTERS,
    AnyConverter,
    Converter,
    FilenameConverter,
    FloatConverter,
    IntConverter,
    PathConverter,
    StringConverter,
    UUIDConverter,
)
from safename.errors import (
    ConversionError,
    FilenameReason,
    PathReason,
    RuleSyntaxError,
    SafenameError,
    UnsafeFilenameError,
    UnsafePathError,
)
from safename.filenames import Fallback, random_stem, secure_filename
from safename.paths import safe_join, unique_filename
from safename.routing import Pattern, Router
from safename.validation import is_safe_filename, validate_filename

#: Whether the core modules run as C extensions compiled by mypyc (a wheel built
#: with ``SAFENAME_COMPILE=1``) rather than as Python source. Both builds come
#: from the same source and give the same results.
COMPILED: Final[bool] = _build.is_compiled(filenames)

__all__ = [
    "COMPILED",
    "DEFAULT_CONVERTERS",
    "RESERVED_NAMES",
    "AnyConverter",
    "ArchiveReason",
    "ConversionError",
    "Converter",
    "Fallback",
    "FilenameConverter",
    "FilenameReason",
    "FloatConverter",
    "IntConverter",
    "PathConverter",
    "PathReason",
    "Pattern",
    "Router",
    "RuleSyntaxError",
    "SafenameError",
    "StringConverter",
    "UUIDConverter",
    "UnsafeArchiveError",
    "UnsafeFilenameError",
    "UnsafePathError",
    "is_safe_filename",
    "random_stem",
    "safe_extract",
    "safe_join",
    "secure_filename",
    "unique_filename",
    "validate_filename",
]
