"""Alerts in the reader's inbox (the conversation app's), written with the alerts themselves."""


def notify_update(update, reader_ids):
    """Put a notice of `update` in each reader's inbox, in the caller's transaction."""
    return []


def items_of(update):
    return []
