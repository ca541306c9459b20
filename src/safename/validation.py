"""Check a name against the rules that :func:`safename.secure_filename` enforces.

The validator lives in :mod:`safename.filenames`, beside the sanitizer that
reads the same rule table; this module keeps its import path.

>>> is_safe_filename("report.pdf"), is_safe_filename("CON")
(True, False)
"""

# The names and their list are the home module's; this module only keeps the import path.
from safename.filenames._validate import *  # noqa: F403
from safename.filenames._validate import __all__  # noqa: F401
