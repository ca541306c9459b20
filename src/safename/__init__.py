"""safename: safe filenames and strict URL converters for untrusted names.

>>> from safename import secure_filename, is_safe_filename
>>> secure_filename("../../../etc/passwd")
'etc_passwd'
>>> is_safe_filename("etc_passwd")
True
"""

from safename._filename_rules import RESERVED_NAMES
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

__all__ = [
    "DEFAULT_CONVERTERS",
    "RESERVED_NAMES",
    "AnyConverter",
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
    "UnsafeFilenameError",
    "UnsafePathError",
    "is_safe_filename",
    "random_stem",
    "safe_join",
    "secure_filename",
    "unique_filename",
    "validate_filename",
]
