"""Language names for the codes works carry ("en", "pt-br"): what blurbs and the filter show.

A work's language is a code, as EPUBs and AO3 downloads give it; readers see its English
name. The names come from Django's own table of languages, which covers the hundred or so
it is translated into.
"""

from django.conf.locale import LANG_INFO

_NAMES = {code: info["name"] for code, info in LANG_INFO.items() if "name" in info}
# Django names only the scripts of Chinese, but works are often tagged just "zh".
_NAMES.setdefault("zh", "Chinese")

# The languages the works filter offers, by name: one per language, not per region or script
# (choosing "English" finds works in "en-gb" too).
CHOICES = sorted(
    ((code, name) for code, name in _NAMES.items() if "-" not in code), key=lambda c: c[1]
)


def name(code):
    """ "English" for "en" or "en-US", "British English" for "en-gb"; an unknown code as is."""
    code = (code or "").strip()
    lowered = code.lower()
    return _NAMES.get(lowered) or _NAMES.get(lowered.split("-")[0]) or code


# Every English and native name Django knows, lower-cased ("spanish", "español": "es").
_CODES = {
    name.lower(): info["code"]
    for info in LANG_INFO.values()
    if "code" in info
    for name in (info.get("name"), info.get("name_local"))
    if name
}
# Django names only the scripts of Chinese (see _NAMES).
_CODES["chinese"] = "zh"


def code_for(language_name):
    """The code of a language named in English or in itself ("Español" -> "es"), as AO3
    downloads name it; "" when the name is unknown."""
    return _CODES.get(" ".join((language_name or "").split()).lower(), "")
