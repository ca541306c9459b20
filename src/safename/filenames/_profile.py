"""The name profiles: which names a writer may create.

Kept out of the compiled modules: an enum is a plain Python class either way.
"""

from __future__ import annotations

import enum
from typing import Literal, TypeAlias

__all__ = ["Profile", "ProfileName"]


class Profile(enum.Enum):
    """Which names :func:`~safename.validate_filename` accepts: the writer's name profile.

    Both profiles read the one rule table of :mod:`safename.filenames`, and
    every name :data:`STRICT` accepts :data:`PRESERVING` accepts too.

    * ``STRICT`` (the default): exactly the names :func:`~safename.secure_filename`
      produces, werkzeug's characters (with ``allow_unicode``, letters, marks
      and digits of every script, in NFC), no leading dot, dash or underscore.
      Uploads and renames write these.
    * ``PRESERVING``: the names a user chose, kept as they are (spaces, leading
      dots, underscores, punctuation and letters of every script), refusing
      only what is dangerous on a common file system or terminal: controls,
      invisible and bidi characters, a colon, Windows device names with any
      suffix, a trailing dot or space, names that NFKC turns into a dot segment
      or a separator, empty and over-long names, lone surrogates and
      safename's own temporaries' names. :func:`~safename.safe_extract` and
      :func:`~safename.safe_join` judge each component with it.

    The value is a stable string, accepted wherever a profile is.

    >>> Profile("preserving") is Profile.PRESERVING, Profile.STRICT.value
    (True, 'strict')
    """

    STRICT = "strict"
    PRESERVING = "preserving"


#: A profile, or its value as a string (``"strict"``, ``"preserving"``).
ProfileName: TypeAlias = Profile | Literal["strict", "preserving"]
