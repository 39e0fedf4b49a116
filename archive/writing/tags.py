"""Tag wrangling: synonyms and merges, each in one transaction so filters never see half.

A work's families (archive.writing.derived) follow its tags' synonyms, so each function
refreshes the works whose tags it changes.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import ExcludedTag
from archive.listing import search
from archive.models import Tag, TaggedWork
from archive.writing import derived


def check_synonym(tag, canonical):
    """Refuse (ValidationError) to make `tag` a synonym of `canonical` against the rules."""
    if tag.pk == canonical.pk:
        raise ValidationError(f"“{tag.name}” cannot be a synonym of itself.")
    if tag.kind != canonical.kind:
        raise ValidationError(
            f"“{tag.name}” is a {tag.get_kind_display()} tag and “{canonical.name}” a "
            f"{canonical.get_kind_display()} tag; only tags of one kind can be synonyms."
        )


def _works_tagged(tags):
    return list(
        TaggedWork.objects.filter(tag__in=tags).values_list("content_object", flat=True).distinct()
    )


@transaction.atomic
def make_synonym(*, tag, canonical):
    """Make `tag` (and its own synonyms) synonyms of `canonical`; filtering on the canonical
    tag then covers works tagged with any of them."""
    canonical = canonical.canonical or canonical
    check_synonym(tag, canonical)
    family = [tag, *tag.synonyms.all()]
    Tag.objects.filter(pk__in=[t.pk for t in family]).update(canonical=canonical)
    works = _works_tagged(family)
    derived.refresh(works)
    search.update_search_documents(works)


@transaction.atomic
def merge_tags(*, source, target):
    """Retag every work tagged `source` with `target`, and keep `source` as a synonym so
    that links and typed names still find the works."""
    target = target.canonical or target
    check_synonym(source, target)
    retagged = _works_tagged([source])
    already = TaggedWork.objects.filter(tag=target).values("content_object")
    TaggedWork.objects.filter(tag=source).exclude(content_object__in=already).update(tag=target)
    TaggedWork.objects.filter(tag=source).delete()
    excluders = ExcludedTag.objects.filter(tag=target).values("reader")
    ExcludedTag.objects.filter(tag=source).exclude(reader__in=excluders).update(tag=target)
    ExcludedTag.objects.filter(tag=source).delete()
    make_synonym(tag=source, canonical=target)
    derived.refresh(retagged)
    search.update_search_documents(_works_tagged([target]))
