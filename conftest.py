"""Hypothesis profiles for every test: the suite in ``tests/`` and the ``>>>`` examples.

The default profile, ``ci``, is derandomized: a fresh clone with no
``.hypothesis`` folder draws the same examples on every run, so a property or
a doc example passes or fails the same way everywhere. ``random`` draws afresh
(``tests/test_docs.py`` runs the doc examples under it with several fixed
seeds, so they hold for a reader too); ``fuzz`` runs each property far longer,
for manual runs; ``dev`` is a quick loop.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True)
settings.register_profile("random", max_examples=300, deadline=None, database=None)
settings.register_profile(
    "fuzz",
    max_examples=200_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=50, deadline=None, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
