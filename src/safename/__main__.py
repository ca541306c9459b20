"""``python -m safename``: the ``safename`` command (see :mod:`safename.cli`)."""

from safename.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
