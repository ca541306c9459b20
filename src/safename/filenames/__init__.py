"""Filenames: turn an untrusted name into a safe one, and check a name against the same rules.

One rule table (``safename.filenames._rules``: separators, forbidden and
invisible characters, reserved device names, length limits) serves the
sanitizer (:func:`secure_filename`), the validator (:func:`validate_filename`,
:func:`is_safe_filename`), the hypothesis strategies and the tests, so the two
halves cannot drift apart: ``is_safe_filename(secure_filename(x))`` holds for
every ``x``. A second profile of the same table, :attr:`Profile.PRESERVING`,
judges the names a writer keeps as the user gave them (archive members, the
components of :func:`~safename.safe_join`). The hostile inputs the strategies
draw from are plain data in :mod:`safename.hostile`.

>>> secure_filename("../../etc/passwd")
'etc_passwd'
>>> is_safe_filename("etc_passwd"), is_safe_filename("../etc")
(True, False)
>>> is_safe_filename("My Report (1).pdf", profile=Profile.PRESERVING)
True
"""

from safename.filenames._profile import Profile
from safename.filenames._rules import RESERVED_NAMES
from safename.filenames._sanitize import Fallback, random_stem, secure_filename
from safename.filenames._validate import is_safe_filename, validate_filename

__all__ = [
    "RESERVED_NAMES",
    "Fallback",
    "Profile",
    "is_safe_filename",
    "random_stem",
    "secure_filename",
    "validate_filename",
]
