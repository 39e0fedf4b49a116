from django.utils.functional import SimpleLazyObject

from accounts import display


def display_settings(request):
    """`display`: the reader's display settings, for <html> in base.html.

    Read from the reader row the request already loaded, or from a guest's cookie.
    """
    return {"display": SimpleLazyObject(lambda: display.for_request(request))}
