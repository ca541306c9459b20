"""Filenames: turn an untrusted name into a safe one, and check a name against the same rules.

One rule table (``safename.filenames._rules``: separators, forbidden and
invisible characters, reserved device names, length limits) serves the
sanitizer (:func:`secure_filename`), the validator (:func:`validate_filename`,
:func:`is_safe_filename`), the hypothesis strategies and the tests, so the two
halves cannot drift apart: ``is_safe_filename(secure_filename(x))`` holds for
every ``x``. The hostile inputs the strategies draw from are plain data in
:mod:`safename.hostile`.

>>> secure_filename("../../etc/passwd")
'etc_passwd'
>>> is_safe_filename("etc_passwd"), is_safe_filename("../etc")
(True, False)
"""

from safename.filenames._rules import RESERVED_NAMES
from safename.filenames._sanitize import Fallback, random_stem, secure_filename
from safename.filenames._validate import is_safe_filename, validate_filename

__all__ = [
    "RESERVED_NAMES",
    "Fallback",
    "is_safe_filename",
    "random_stem",
    "secure_filename",
    "validate_filename",
]
