"""Text normalisation for alias search."""

import unicodedata


def normalize_term(text: str) -> str:
    """Fold case, compatibility forms and white space so that searches match.

    Done in Python rather than with SQL's case-insensitive lookups because
    SQLite folds only ASCII: "Вакуумна" would not match "вакуумна" there.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split())
