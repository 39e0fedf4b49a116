"""Which addresses a form may send a reader back to: paths of this site, read as a browser
reads them.

A browser removes tabs and line breaks anywhere in a URL, trims spaces and control
characters at its ends and takes a backslash for a slash, so `/\\host/x` and `/<tab>/host`
are `//host/...`: another site. A path is checked after the same normalising and stored or
linked in its normalised form, so what was checked is what a browser will follow.
"""

import re
from urllib.parse import urlsplit

# The WHATWG URL parser's steps before it reads anything (url.spec.whatwg.org, "basic URL
# parser"): strip leading and trailing C0 controls and spaces, remove every tab and newline.
_ENDS = "".join(chr(code) for code in range(0x21))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def same_site_path(target):
    """`target` as a browser would read it, if that is a path on this site; else None."""
    path = _TAB_OR_NEWLINE.sub("", (target or "").strip(_ENDS)).replace("\\", "/")
    if not path.startswith("/") or path.startswith("//") or _CONTROL.search(path):
        return None
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return None
    return path
