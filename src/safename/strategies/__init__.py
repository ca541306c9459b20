"""Hypothesis strategies: hostile and safe filenames and URL values, for your own tests.

Needs the ``hypothesis`` extra (``pip install 'safename[hypothesis]'``);
importing this module without it raises a :class:`ModuleNotFoundError` that
names the extra. The strategies read the same rule table as
:func:`~safename.secure_filename` and :func:`~safename.is_safe_filename`, so
they follow the rules when the rules change. The filename strategies live in
:mod:`safename.strategies.filenames`, the URL ones in :mod:`safename.strategies.urls`;
the tables of hostile inputs they draw from, in :mod:`safename.filenames._hostile`, which needs no
hypothesis.

>>> from hypothesis import given
>>> from safename import is_safe_filename
>>> @given(hostile_filenames())
... def test_upload_refuses(name):
...     assert not is_safe_filename(name)
>>> test_upload_refuses()
"""

from __future__ import annotations

from safename._packaging import require

require("hypothesis", "hypothesis")

from safename.strategies.filenames import (  # noqa: E402
    SafeFilename,
    hostile_filenames,
    safe_filenames,
)
from safename.strategies.urls import adversarial_paths, url_segments, url_values  # noqa: E402

__all__ = [
    "SafeFilename",
    "adversarial_paths",
    "hostile_filenames",
    "safe_filenames",
    "url_segments",
    "url_values",
]
