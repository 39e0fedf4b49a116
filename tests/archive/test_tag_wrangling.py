"""Synonyms and merges: made by staff, applied to filters at once and in one transaction."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import ExcludedTag
from archive.models import Tag, TaggedWork
from archive.vocabulary import TagKind
from archive.writing import tags
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db
A = TagKind.ADDITIONAL
INDEX = reverse("archive:work_list")


def listed(client, **query):
    return set(client.get(INDEX, query).context["page"].paginator.object_list)


def test_a_synonym_is_covered_by_its_canonical_at_once(client):
    comfort = make_work(tags=[("Hurt/Comfort", A)])
    hc = make_work(tags=[("h/c", A)])
    assert listed(client, tag="Hurt/Comfort") == {comfort}
    tags.make_synonym(
        tag=Tag.objects.get(name="h/c"), canonical=Tag.objects.get(name="Hurt/Comfort")
    )
    assert listed(client, tag="Hurt/Comfort") == {comfort, hc}
    assert listed(client, exclude_tag="Hurt/Comfort") == set()


def test_synonyms_of_a_synonym_follow_it_to_the_new_canonical(db):
    a = Tag.objects.create(name="A", kind=A)
    b = Tag.objects.create(name="B", kind=A)
    c = Tag.objects.create(name="C", kind=A, canonical=b)
    tags.make_synonym(tag=b, canonical=a)
    c.refresh_from_db()
    assert c.canonical == a
    # Pointing at a synonym means pointing at its canonical.
    d = Tag.objects.create(name="D", kind=A)
    tags.make_synonym(tag=d, canonical=c)
    d.refresh_from_db()
    assert d.canonical == a


@pytest.mark.parametrize("other_kind", [TagKind.FANDOM, None])
def test_synonyms_must_be_of_one_kind_and_not_themselves(db, other_kind):
    tag = Tag.objects.create(name="Tag", kind=A)
    other = Tag.objects.create(name="Other", kind=other_kind) if other_kind else tag
    with pytest.raises(ValidationError):
        tags.make_synonym(tag=tag, canonical=other)
    tag.refresh_from_db()
    assert tag.canonical is None


def test_merging_moves_works_and_exclusions_and_keeps_the_name(client_for, db):
    both = make_work(tags=[("Angst", A), ("angsty", A)])
    only_source = make_work(tags=[("angsty", A)])
    reader = make_reader("sensitive")
    source, target = Tag.objects.get(name="angsty"), Tag.objects.get(name="Angst")
    ExcludedTag.objects.create(reader=reader, tag=source)

    tags.merge_tags(source=source, target=target)

    assert set(TaggedWork.objects.filter(tag=target).values_list("content_object", flat=True)) == {
        both.pk,
        only_source.pk,
    }
    assert not TaggedWork.objects.filter(tag=source).exists()
    assert ExcludedTag.objects.get(reader=reader).tag == target
    source.refresh_from_db()
    assert source.canonical == target
    assert listed(client_for(None), tag="angsty") == {both, only_source}
    assert listed(client_for(reader)) == set()


def test_admin_action_makes_synonyms(client_for, staff):
    make_work(tags=[("h/c", A), ("Hurt/Comfort", A)])
    staff.is_superuser = True
    staff.save()
    client = client_for(staff)
    url = reverse("admin:archive_tag_changelist")
    synonym = Tag.objects.get(name="h/c")
    response = client.post(url, {"action": "make_synonyms", "_selected_action": [synonym.pk]})
    assert response.status_code == 200
    assert "choose the tag" in response.content.decode()
    response = client.post(
        url,
        {
            "action": "make_synonyms",
            "_selected_action": [synonym.pk],
            "apply": "Apply",
            "target": "hurt/comfort",
        },
    )
    assert response.status_code == 302
    synonym.refresh_from_db()
    assert synonym.canonical.name == "Hurt/Comfort"


def test_admin_action_refuses_an_unknown_target(client_for, staff):
    tag = Tag.objects.create(name="Lonely", kind=A)
    staff.is_superuser = True
    staff.save()
    response = client_for(staff).post(
        reverse("admin:archive_tag_changelist"),
        {"action": "merge", "_selected_action": [tag.pk], "apply": "Apply", "target": "Nope"},
    )
    assert response.status_code == 200
    assert "There is no tag called" in response.content.decode()
