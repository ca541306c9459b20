"""safename: safe filenames and strict URL converters for untrusted names.

>>> from safename import secure_filename, is_safe_filename
>>> secure_filename("../../../etc/passwd")
'etc_passwd'
>>> is_safe_filename("etc_passwd")
True
"""

from safename._packaging import is_compiled as _is_compiled
from safename.archives import ArchiveReason, UnsafeArchiveError, safe_extract
from safename.errors import (
    ConversionError,
    FilenameReason,
    PathReason,
    RuleSyntaxError,
    SafenameError,
    UnsafeFilenameError,
    UnsafePathError,
)
from safename.filenames import (
    RESERVED_NAMES,
    Fallback,
    Profile,
    _sanitize,
    is_safe_filename,
    random_stem,
    secure_filename,
    validate_filename,
)
from safename.paths import safe_join, unique_filename
from safename.routing import Pattern, Router
from safename.routing.converters import (
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

#: Whether the core modules run as C extensions compiled by mypyc (a wheel built
#: with ``SAFENAME_COMPILE=1``) rather than as Python source. Both builds come
#: from the same source and give the same results.
COMPILED: bool = _is_compiled(_sanitize)

#: This release, as in the package's metadata (``pyproject.toml`` reads it from here).
__version__ = "0.1.0.dev0"

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
    "Profile",
    "Router",
    "RuleSyntaxError",
    "SafenameError",
    "StringConverter",
    "UUIDConverter",
    "UnsafeArchiveError",
    "UnsafeFilenameError",
    "UnsafePathError",
    "__version__",
    "is_safe_filename",
    "random_stem",
    "safe_extract",
    "safe_join",
    "secure_filename",
    "unique_filename",
    "validate_filename",
]
