"""Sphinx configuration: furo theme, Markdown pages through MyST, API pages from docstrings."""

from __future__ import annotations

import importlib.metadata

project = "safename"
author = "safename developers"
copyright = "2026, safename developers"
release = importlib.metadata.version("safename")

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown"}
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
exclude_patterns = ["_build", "README.md"]
html_theme = "furo"
html_title = "safename"
autodoc_typehints = "description"
autodoc_member_order = "bysource"
