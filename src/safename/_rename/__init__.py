"""Renaming a tree to safe names: the engine of ``safename rename`` (private).

* ``tree``: list the tree through directory descriptors, then rename it deepest first;
* ``journal``: the journal that lets an interrupted run be finished or undone;
* ``report``: what the command prints, as text, JSON lines or NUL-separated paths.
"""
