"""The cases both framework adapters (Starlette, Django) must pass, as tables and strategies.

Each adapter test registers safename's converters under ``safe_<name>``,
plus ``lang`` (``AnyConverter("en", "de")``) and ``small``
(``IntConverter(max=10)``), with one route ``/<kind>/<value>`` per name.
"""

from __future__ import annotations

from typing import Any, Final

from converter_cases import EXAMPLE_UUID
from hypothesis import strategies as st

from safename import secure_filename

KINDS: Final = ["safe_string", "safe_int", "safe_float", "safe_path", "safe_uuid", "safe_filename"]

#: Decoded URL paths that reach the endpoint, and the value the endpoint gets.
VALID: Final[list[tuple[str, Any]]] = [
    ("/safe_filename/report-2024.pdf", "report-2024.pdf"),
    ("/safe_filename/_CON.txt", "_CON.txt"),
    ("/safe_int/42", 42),
    ("/safe_int/0", 0),
    ("/safe_float/1.5", 1.5),
    ("/safe_float/0.0000001", 1e-07),
    ("/safe_string/a b?#%", "a b?#%"),
    ("/safe_string/中文", "中文"),
    ("/safe_string/%41%00", "%41%00"),  # a value that looks percent-encoded stays as it is
    ("/safe_path/%2E%2E/x", "%2E%2E/x"),
    ("/safe_path/docs/guide/index.md", "docs/guide/index.md"),
    (f"/safe_uuid/{EXAMPLE_UUID}", EXAMPLE_UUID),
    ("/lang/de", "de"),
    ("/small/10", 10),
]

#: Decoded URL paths that fit a converter's regex or route but not its rules.
INVALID: Final = [
    "/safe_filename/CON.txt",  # a device name: fits the regex, refused by the rules
    "/safe_filename/-rf",
    "/safe_filename/a b.txt",
    "/safe_int/007",  # one value, one URL: no leading zeros
    "/safe_int/-3",
    "/safe_int/\u0663",  # an Arabic-Indic digit three
    "/safe_float/1.50",
    "/safe_float/nan",
    "/safe_path/docs//index.md",
    "/safe_uuid/12345678-1234-5678-1234-56781234567A",
    "/lang/fr",
]

#: Values a URL must not be built for: they would not read back, or not be safe.
REFUSED: Final[list[tuple[str, Any]]] = [
    ("safe_filename", "CON.txt"),
    ("safe_filename", "../etc/passwd"),
    ("safe_int", -1),
    ("safe_int", "5"),
    ("safe_float", float("nan")),
    ("safe_float", float("inf")),
    ("safe_string", ".."),
    ("safe_string", "a/b"),
    ("safe_path", "docs/../secret"),
    ("lang", "fr"),
    ("small", 11),
]

# Any text, and text made mostly of what looks like percent-encoding (%2E%2E, %00),
# which a URL must carry as it is, neither decoded twice nor read as a dot segment.
segment_texts = st.one_of(
    st.text(st.characters(codec="utf-8"), min_size=1),
    st.text("%%20E.e0A", min_size=1),
).filter(lambda text: "/" not in text and text not in (".", ".."))
path_texts = st.lists(segment_texts, min_size=1, max_size=4).map("/".join)
safe_filenames = st.text().map(lambda text: secure_filename(text, fallback="upload"))
