"""A tag's page, and tag autocomplete."""

import pytest
from django.urls import reverse

from archive.models import Tag
from archive.vocabulary import TagKind
from tests.factories import make_work

pytestmark = pytest.mark.django_db
A, F = TagKind.ADDITIONAL, TagKind.FANDOM


def test_tag_page_shows_the_tag_its_synonyms_and_its_works(client):
    canonical = Tag.objects.create(name="Hurt/Comfort", kind=A)
    Tag.objects.create(name="h/c", kind=A, canonical=canonical)
    tagged = make_work(tags=[("Hurt/Comfort", A), ("Naruto", F)])
    via_synonym = make_work(tags=[("h/c", A)])
    make_work(tags=[("Fluff", A)])
    response = client.get(canonical.get_absolute_url())
    content = response.content.decode()
    assert "<h1>Hurt/Comfort</h1>" in content
    assert "Additional Tags tag" in content
    assert "h/c" in content
    assert set(response.context["page"].paginator.object_list) == {tagged, via_synonym}
    assert response.context["facets"] is not None


def test_a_synonyms_page_names_its_canonical(client):
    canonical = Tag.objects.create(name="Hurt/Comfort", kind=A)
    synonym = Tag.objects.create(name="h/c", kind=A, canonical=canonical)
    content = client.get(synonym.get_absolute_url()).content.decode()
    assert "A synonym of" in content
    assert canonical.get_absolute_url() in content


def test_tag_pages_take_the_same_filters(client):
    make_work(rating="explicit", tags=[("Naruto", F)])
    general = make_work(rating="general", tags=[("Naruto", F)])
    url = reverse("archive:tag_detail", args=["naruto"])
    response = client.get(url, {"exclude_rating": "explicit"})
    assert list(response.context["page"].object_list) == [general]


def test_unknown_tag_page_is_404(client):
    assert client.get(reverse("archive:tag_detail", args=["no-such-tag"])).status_code == 404


def test_blurb_tags_link_to_tag_pages(client):
    make_work(tags=[("Naruto", F)])
    content = client.get(reverse("archive:work_list")).content.decode()
    assert 'href="/tags/naruto/"' in content


def test_tag_page_query_count(client, django_assert_num_queries):
    make_work(tags=[("Naruto", F), ("Angst", A)])
    make_work(tags=[("Naruto", F)])
    # tag, synonyms, the listing generation, the count with every facet (archive.listing.facets),
    # works, their tags
    with django_assert_num_queries(6):
        client.get(reverse("archive:tag_detail", args=["naruto"]))


def test_autocomplete_suggests_used_tags_starting_with_the_text_first(client):
    make_work(tags=[("Naruto", F), ("Uzumaki Naruto", TagKind.CHARACTER)])
    make_work(tags=[("Uzumaki Naruto", TagKind.CHARACTER)])
    response = client.get(reverse("archive:tag_autocomplete"), {"q": "naru"})
    assert response.json() == {
        "tags": [
            {"name": "Naruto", "kind": "fandom"},
            {"name": "Uzumaki Naruto", "kind": "character"},
        ]
    }
    response = client.get(reverse("archive:tag_autocomplete"), {"q": "naru", "kind": "character"})
    assert [tag["name"] for tag in response.json()["tags"]] == ["Uzumaki Naruto"]


@pytest.mark.parametrize("typed", ["", "n", "x" * 5000])
def test_autocomplete_answers_short_and_long_input(client, typed):
    response = client.get(reverse("archive:tag_autocomplete"), {"q": typed})
    assert response.status_code == 200
    assert response.json() == {"tags": []}


def test_autocomplete_never_offers_tags_only_a_draft_has(client, db):
    make_work(tags=[("Lantern Festival", TagKind.ADDITIONAL)])
    make_work(tags=[("Lantern Secret", TagKind.ADDITIONAL)], is_posted=False)
    response = client.get(reverse("archive:tag_autocomplete"), {"q": "lantern"})
    assert [tag["name"] for tag in response.json()["tags"]] == ["Lantern Festival"]
