"""Extract zip and tar archives safely: names checked, limits kept while streaming, all or nothing.

:func:`safe_extract` is for archives from strangers ("send us your photos as a
zip"). Compared with the standard library and the package index:

* ``zipfile.extractall`` writes device names, NUL and backslash names as
  literal files, lets case and NFC/NFD twins replace each other, and has no
  limit on size, member count or compression ratio;
* ``tarfile``'s ``data`` filter refuses traversal and links that leave the
  directory, but leaves whatever it wrote before a refusal, strips a leading
  ``/`` instead of refusing it, and keeps links inside the directory;
* ``safezip`` (zip only) keeps limits while streaming, but leaves the members
  written before a refusal, and accepts device names, case twins, NFC/NFD twins
  (one silently replacing the other) and names with a NUL.

:func:`safe_extract` refuses every one of these, with an
:class:`UnsafeArchiveError` naming the member and an :class:`ArchiveReason`,
and leaves the directory exactly as it was.
"""

# The default limits, for callers that show them (``safename extract --help``).
from safename._packaging import public_names
from safename.archives._extract import DEFAULT_MAX_DEPTH as DEFAULT_MAX_DEPTH
from safename.archives._extract import DEFAULT_MAX_MEMBERS as DEFAULT_MAX_MEMBERS
from safename.archives._extract import DEFAULT_MAX_PATH_BYTES as DEFAULT_MAX_PATH_BYTES
from safename.archives._extract import DEFAULT_MAX_RATIO as DEFAULT_MAX_RATIO
from safename.archives._extract import DEFAULT_MAX_TOTAL_BYTES as DEFAULT_MAX_TOTAL_BYTES
from safename.archives._extract import (
    ArchiveReason,
    UnsafeArchiveError,
    safe_extract,
)

__all__ = ["ArchiveReason", "UnsafeArchiveError", "safe_extract"]

public_names(globals())
