"""What is new in the archive: a work posted, a chapter added to a posted work, a posted
work joining a series. Posting and series changes announce each here, inside the
transaction that writes it, so what a listener writes commits or rolls back with it.

The archive does not know who listens: an app above it that cares (following, which tells
subscribers) adds itself with `listen` when it loads, in its AppConfig.ready. No signals:
a listener is any object with the three functions of `Listener`, such as a module.
"""

from typing import Protocol


class Listener(Protocol):
    def work_posted(self, *, work): ...

    def chapter_posted(self, *, chapter): ...

    def part_added(self, *, series, work): ...


_listeners: list[Listener] = []


def listen(listener: Listener):
    """Have `listener` hear of everything new from now on (once, however often it asks)."""
    if listener not in _listeners:
        _listeners.append(listener)


def work_posted(*, work):
    for listener in _listeners:
        listener.work_posted(work=work)


def chapter_posted(*, chapter):
    for listener in _listeners:
        listener.chapter_posted(chapter=chapter)


def part_added(*, series, work):
    for listener in _listeners:
        listener.part_added(series=series, work=work)
