"""Hostile inputs as data: the tables the hypothesis strategies and the fuzz corpus draw from.

Plain tuples and strings, with no dependency beyond the standard library, so that a fuzz
harness, a corpus script or a test of your own can read them without hypothesis.
:mod:`safename.strategies` mixes them with arbitrary text; ``fuzz/make_corpus.py`` writes
them as seeds. The tables live with the filename rules they attack
(``safename.filenames._hostile``); this module is their public import path.

>>> from safename import is_safe_filename
>>> [step for step in TRAVERSAL_STEPS if is_safe_filename(step)]
[]
>>> "../" in TRAVERSAL_STEPS, "C:" in ABSOLUTE_ROOTS
(True, True)
"""

# The names and their list are the home module's; this module only keeps the import path.
from safename.filenames._hostile import *  # noqa: F403
from safename.filenames._hostile import __all__  # noqa: F401
