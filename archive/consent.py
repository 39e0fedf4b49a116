"""The consent policy: what a work needs agreement to, and what a request has agreed to.

Consent is only ever recorded by `record_consent`, called from a CSRF-protected POST;
nothing read from a URL or a cookie the client can write counts as agreement.
"""

from archive.vocabulary import ConsentItem, StandingChoice

# In the server-side session: {work pk: [items]} and items agreed for the whole session.
SESSION_WORK_CONSENTS = "consent_by_work"
SESSION_STANDING_CONSENTS = "consent_for_session"


def can_skip_gate(user, work):
    """Creators see their own works, and staff every work, without being asked."""
    return user.is_authenticated and (user.is_staff or work.creator_id == user.pk)


def standing_choices(request):
    """The reader's saved choice per item, read once per request; guests have none."""
    if not hasattr(request, "_standing_choices"):
        choices = {}
        if request.user.is_authenticated:
            choices = dict(request.user.consent_choices.values_list("item", "choice"))
        request._standing_choices = choices
    return request._standing_choices


def hidden_items(request):
    """Items whose works the reader asked never to see in lists."""
    return {item for item, choice in standing_choices(request).items() if choice == "hide"}


def agreed_items(request, work):
    agreed = {
        item for item, choice in standing_choices(request).items() if choice == StandingChoice.SHOW
    }
    agreed.update(request.session.get(SESSION_STANDING_CONSENTS, ()))
    agreed.update(request.session.get(SESSION_WORK_CONSENTS, {}).get(str(work.pk), ()))
    return agreed


def missing_items(request, work):
    """The items this work needs that the request has not agreed to, in vocabulary order."""
    if can_skip_gate(request.user, work):
        return []
    agreed = agreed_items(request, work)
    return [item for item in work.consent_items() if item not in agreed]


def record_consent(request, work, items, *, for_session=False):
    """Remember agreement to `items` for this work (and, if asked, for the whole session).

    Only items the work needs right now are kept, so a form cannot smuggle in
    agreement to something the reader was never shown.
    """
    items = sorted(set(items) & set(work.consent_items()))
    if not items:
        return items
    by_work = dict(request.session.get(SESSION_WORK_CONSENTS, {}))
    by_work[str(work.pk)] = sorted(set(by_work.get(str(work.pk), ())) | set(items))
    request.session[SESSION_WORK_CONSENTS] = by_work
    if for_session:
        standing = set(request.session.get(SESSION_STANDING_CONSENTS, ())) | set(items)
        request.session[SESSION_STANDING_CONSENTS] = sorted(standing)
    return items


def item_labels(items):
    return [ConsentItem(item).label for item in items]
