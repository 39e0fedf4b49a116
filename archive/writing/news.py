"""What is new in the archive: a work posted, a chapter added to a posted work, a posted
work joining a series, kudos left on a work. Posting, series changes and kudos announce
each here, inside the transaction that writes it, so what a listener writes commits or
rolls back with it.

The archive does not know who listens: an app above it that cares (following, which tells
subscribers; conversation, which tells creators of kudos) adds itself with `listen` when it
loads, in its AppConfig.ready. No signals: a listener is any object, such as a module, with
those functions of `Listener` it cares about.
"""

from typing import Protocol


class Listener(Protocol):
    def work_posted(self, *, work): ...

    def chapter_posted(self, *, chapter): ...

    def part_added(self, *, series, work): ...

    def kudos_left(self, *, work, reader): ...


_listeners: list[Listener] = []


def listen(listener: Listener):
    """Have `listener` hear of everything new from now on (once, however often it asks)."""
    if listener not in _listeners:
        _listeners.append(listener)


def work_posted(*, work):
    _tell("work_posted", work=work)


def chapter_posted(*, chapter):
    _tell("chapter_posted", chapter=chapter)


def part_added(*, series, work):
    _tell("part_added", series=series, work=work)


def kudos_left(*, work, reader):
    """Kudos from `reader` (None for a guest) were just left on `work`."""
    _tell("kudos_left", work=work, reader=reader)


def _tell(event, **news):
    for listener in _listeners:
        heard = getattr(listener, event, None)
        if heard is not None:
            heard(**news)
