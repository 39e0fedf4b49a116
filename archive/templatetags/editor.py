"""The rich-text editor's files, when `make` has copied them from npm into static/vendor/."""

from functools import cache

from django import template
from django.contrib.staticfiles import finders

register = template.Library()

EDITOR_FILES = ("vendor/quill/quill.js", "vendor/quill/quill.snow.css")


@register.simple_tag
def editor_available():
    """Whether the pages may load the editor; without it the chapter text is a plain box."""
    return _copied()


@cache
def _copied():
    return all(finders.find(path) for path in EDITOR_FILES)
