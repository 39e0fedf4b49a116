"""Values kept beside the rows they come from, so that listings read one column, not joins.

- `Work.families`: the ids of the canonical tags of a work's tags (its tag links, and each
  tag's `canonical`), which include and exclude filters, tag pages and facets read.
- `Work.warning_set`: the work's archive warnings (its WorkWarning rows, which the consent
  gate reads), which filters, a reader's exclusions and facets read.
- The token of `ListingGeneration`, under which listing counts are cached
  (archive.listing.cache): renewed by any change a count can see.

The functions that write those sources (archive.writing.posting and .tags, the importer, the
admin, account deletion) call `refresh` or `renew_listing_generation` in their own transaction,
so a count cached under the old token is never read after the change commits. Loads that go
around them (loaddata, bulk_create) end with `manage.py recompute_derived`.
"""

import uuid
from collections import defaultdict

from django.db import transaction
from django.db.models.functions import Coalesce

from archive.models import ListingGeneration, TaggedWork, Work, WorkWarning

# Works read and written per statement: few queries for a big batch, short statements.
BATCH = 1000
FIELDS = ["families", "warning_set"]


def refresh(works):
    """The tag links, warnings or tags of these works (ids, or Work instances) changed:
    compute their families and warning sets again, write the rows that differ and renew the
    listing generation. Instances get the new values too, for the rest of the request (the
    consent gate reads a work's warnings from its warning set). Returns how many changed."""
    works = list(works)
    instances = {work.pk: work for work in works if isinstance(work, Work)}
    work_ids = [getattr(work, "pk", work) for work in works]
    changed = 0
    with transaction.atomic(savepoint=False):
        for start in range(0, len(work_ids), BATCH):
            rows = _computed(work_ids[start : start + BATCH])
            stale = [work for work, right in rows if _differs(work, right)]
            Work.objects.bulk_update(stale, FIELDS)
            changed += len(stale)
            for work, (families, warnings) in rows:
                if work.pk in instances:
                    instances[work.pk].families = families
                    instances[work.pk].warning_set = warnings
        renew_listing_generation()
    return changed


def stale_works(work_ids):
    """Those of these works whose families or warning set are not what their tag links and
    warnings give, carrying the right values (unsaved). Call it in a transaction: the works'
    rows are locked first, so two refreshes of one work take turns (three queries)."""
    return [work for work, right in _computed(work_ids) if _differs(work, right)]


def _computed(work_ids):
    """[(work, (families, warning set))]: each work's row, locked, with the values its tag
    links and warnings give."""
    works = list(
        Work.objects.select_for_update().filter(pk__in=work_ids).order_by("pk").only(*FIELDS)
    )
    families, warnings = defaultdict(set), defaultdict(set)
    links = TaggedWork.objects.filter(content_object__in=work_ids)
    for work_id, family in links.values_list("content_object", Coalesce("tag__canonical", "tag")):
        families[work_id].add(family)
    chosen = WorkWarning.objects.filter(work__in=work_ids)
    for work_id, warning in chosen.values_list("work", "warning"):
        warnings[work_id].add(warning)
    return [(work, (sorted(families[work.pk]), sorted(warnings[work.pk]))) for work in works]


def _differs(work, right):
    """Whether the row's values differ from the right ones; they are set on it if so."""
    if (work.families, work.warning_set) == right:
        return False
    work.families, work.warning_set = right
    return True


def renew_listing_generation():
    """Give the archive a new listing generation: counts cached under the old token are not
    read again once this transaction commits. An upsert, so the row comes back after a flush."""
    ListingGeneration.objects.bulk_create(
        [ListingGeneration(pk=1, token=uuid.uuid4().hex)],
        update_conflicts=True,
        unique_fields=["pk"],
        update_fields=["token"],
    )
