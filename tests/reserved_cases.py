"""Names in safename's reserved namespace, for the writers' tests (uploads, archives, rename)."""

from __future__ import annotations

import operator

from hypothesis import strategies as st

from safename._fs.temporaries import is_reserved_name
from safename.strategies import hostile_filenames

#: Spellings of the reserved prefix: exact, other cases, and compatibility look-alikes
#: (a fullwidth full stop, a fullwidth "s", the long s) that fold to ".safename-".
RESERVED_PREFIXES: tuple[str, ...] = (
    ".safename-",
    ".SafeName-",
    ".SAFENAME-",
    "\uff0esafename-",
    ".\uff53afename-",
    ".\u017fafename-",
)


def reserved_names(*, allow_surrogates: bool = True) -> st.SearchStrategy[str]:
    """Hostile filenames that are reserved: a spelling of the prefix, then a hostile name.

    A hostile name alone is almost never reserved, so the prefix is put in front;
    every example is checked against the one definition, :func:`is_reserved_name`.
    """
    hostile = hostile_filenames(allow_surrogates=allow_surrogates)
    return st.builds(operator.add, st.sampled_from(RESERVED_PREFIXES), hostile).filter(
        is_reserved_name
    )
