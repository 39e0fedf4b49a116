"""Word counts for sanitised HTML, the way readers count them."""

import html
import re

_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


def count_words(markup):
    """Count words in HTML: tags do not count, contractions and hyphenated words count once."""
    text = html.unescape(_TAG.sub(" ", markup or ""))
    return len(_WORD.findall(text))
