"""Original filenames: kept exactly, shown safely.

A declared filename is evidence about the upload (what the sender called
it), so it is kept bit for bit, including NUL, "../" and names longer than
any file system allows. PostgreSQL text cannot hold NUL, so the exact
name is stored as UTF-8 bytes, and a display form, with control characters
written as visible \\xNN escapes, is stored as text for lists and search.
Neither form is ever used as a storage path.
"""

import re

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def filename_for_display(name: str) -> str:
    return _CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match.group()):02x}", name)


def filename_fields(name: str) -> dict[str, object]:
    """The model fields for a declared filename: its exact bytes and its display form."""
    return {
        "original_filename": filename_for_display(name),
        "original_filename_raw": name.encode("utf-8", "surrogatepass"),
    }


def filename_custody_details(name: str) -> dict[str, str]:
    """The filename for custody details: JSON text cannot hold NUL either.

    The display form, plus the exact UTF-8 bytes in hex when the two differ.
    """
    display = filename_for_display(name)
    details = {"original_filename": display}
    if display != name:
        details["original_filename_utf8_hex"] = name.encode("utf-8", "surrogatepass").hex()
    return details
