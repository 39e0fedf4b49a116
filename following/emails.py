"""The emails alerts send: a work's metadata (title, creator, rating, warnings, tags,
summary) and links, never a chapter's text, with a one-click unsubscribe."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import strip_tags

from archive.vocabulary import ArchiveWarning, Rating, TagKind
from following.models import UpdateKind
from following.subscriptions import unsubscribe_token

SUBJECTS = {
    UpdateKind.CHAPTER: 'New chapter of "{work}" by {creator}',
    UpdateKind.WORK: 'New work by {creator}: "{work}"',
    UpdateKind.PART: 'New part of the series "{series}": "{work}"',
}


def absolute(path):
    return f"{settings.SITE_URL}{path}"


def update_email(alert, description):
    """The email of one alert, to the reader who chose one email per update; `description`
    is describe(alert.update), the same for every subscriber."""
    entry = {**description, "unsubscribe_url": _unsubscribe_url(alert)}
    context = {"reader": alert.reader, "entry": entry, **_links(entry["unsubscribe_url"])}
    return _message(
        alert.reader,
        entry["subject"],
        "following/email/update.txt",
        context,
        unsubscribe_url=entry["unsubscribe_url"],
    )


def digest_email(reader, alerts):
    """One email with every update since the last digest."""
    entries = [
        {**describe(alert.update), "unsubscribe_url": _unsubscribe_url(alert)} for alert in alerts
    ]
    subject = f"{len(entries)} update{'s' if len(entries) != 1 else ''} in your subscriptions"
    context = {"reader": reader, "entries": entries, **_links(None)}
    return _message(reader, subject, "following/email/digest.txt", context)


def _links(unsubscribe_url):
    return {
        "subscriptions_url": absolute(reverse("following:subscriptions")),
        "unsubscribe_url": unsubscribe_url,
    }


def _message(reader, subject, template, context, *, unsubscribe_url=None):
    headers = {}
    if unsubscribe_url:
        # RFC 8058: mail clients unsubscribe with one POST to the link, no page in between.
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return EmailMessage(
        subject=subject,
        body=render_to_string(template, context),
        to=[reader.email],
        headers=headers,
    )


def _unsubscribe_url(alert):
    if not alert.subscription_id:
        return None
    return absolute(reverse("following:unsubscribe", args=[unsubscribe_token(alert.subscription)]))


def describe(update):
    """What an email says of an update: its work's metadata and the link to it."""
    work = update.work
    tags = {kind: [] for kind in TagKind.values}
    for tag in work.tags.all():
        tags[tag.kind].append(tag.name)
    link = update.chapter.get_absolute_url() if update.chapter_id else work.get_absolute_url()
    return {
        "update": update,
        "work": work,
        "subject": SUBJECTS[update.kind].format(
            work=work.title,
            creator=work.creator_display,
            series=update.series.title if update.series_id else "",
        ),
        "rating": Rating(work.rating).label,
        "warnings": [ArchiveWarning(warning).label for warning in sorted(work.warning_set)],
        "tags": [(TagKind(kind).label, names) for kind, names in tags.items() if names],
        "summary": strip_tags(work.summary).strip(),
        "url": absolute(link),
    }
