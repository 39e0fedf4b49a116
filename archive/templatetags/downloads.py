from django import template

from archive.exporting import downloads

register = template.Library()


@register.simple_tag
def download_url(work, kind):
    """The address of a work's EPUB ("epub") or HTML ("html") download."""
    return downloads.download_url(work, kind)
