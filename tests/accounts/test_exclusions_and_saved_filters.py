"""Tags a reader never wants to see, and named filters they keep."""

import pytest
from django.urls import reverse

from accounts.models import ExcludedTag, SavedFilter
from archive.models import Tag
from archive.vocabulary import TagKind
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db
A = TagKind.ADDITIONAL


def test_excluding_a_tag_from_its_page_hides_its_works(client_for, reader_ask):
    angst = make_work(tags=[("Angst", A)])
    fluff = make_work(tags=[("Fluff", A)])
    client = client_for(reader_ask)
    tag_page = Tag.objects.get(name="Angst").get_absolute_url()
    response = client.post(reverse("accounts:exclude_tag"), {"name": "Angst", "next": tag_page})
    assert response["Location"] == tag_page
    listed = client.get(reverse("archive:work_list")).context["page"].paginator.object_list
    assert list(listed) == [fluff]
    assert angst not in listed


def test_excluding_twice_keeps_one_row(client_for, reader_ask):
    make_work(tags=[("Angst", A)])
    client = client_for(reader_ask)
    for _ in range(2):
        client.post(reverse("accounts:exclude_tag"), {"name": "angst"})
    assert ExcludedTag.objects.filter(reader=reader_ask).count() == 1


def test_excluding_an_unknown_tag_is_a_form_error(client_for, reader_ask):
    response = client_for(reader_ask).post(reverse("accounts:exclude_tag"), {"name": "Nope"})
    assert response.status_code == 400
    assert "There is no tag called “Nope”." in response.content.decode()
    assert not ExcludedTag.objects.exists()


def test_excluded_tags_page_lists_and_removes(client_for, reader_ask):
    make_work(tags=[("Angst", A)])
    excluded = ExcludedTag.objects.create(reader=reader_ask, tag=Tag.objects.get(name="Angst"))
    client = client_for(reader_ask)
    assert "Angst" in client.get(reverse("accounts:excluded_tags")).content.decode()
    client.post(reverse("accounts:include_tag", args=[excluded.pk]))
    assert not ExcludedTag.objects.exists()


def test_another_readers_exclusion_cannot_be_removed(client_for, reader_ask):
    other = make_reader("other")
    make_work(tags=[("Angst", A)])
    excluded = ExcludedTag.objects.create(reader=other, tag=Tag.objects.get(name="Angst"))
    response = client_for(reader_ask).post(reverse("accounts:include_tag", args=[excluded.pk]))
    assert response.status_code == 404
    assert ExcludedTag.objects.filter(pk=excluded.pk).exists()


def test_guests_cannot_exclude(client):
    response = client.post(reverse("accounts:exclude_tag"), {"name": "Angst"})
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_saving_and_opening_a_filter(client_for, reader_ask):
    client = client_for(reader_ask)
    response = client.post(
        reverse("accounts:save_filter"),
        {"name": "Finished fluff", "path": "/works/", "query": "tag=Fluff&complete=yes&page=3"},
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(reader=reader_ask)
    assert saved.query == "/works/?tag=Fluff&complete=yes"
    content = client.get(reverse("accounts:saved_filters")).content.decode()
    assert 'href="/works/?tag=Fluff&amp;complete=yes"' in content


def test_a_saved_filter_never_keeps_showing_hidden_works(client_for, reader_ask):
    data = {"name": "All", "path": "/works/", "query": "tag=Fluff&show_hidden=1"}
    client_for(reader_ask).post(reverse("accounts:save_filter"), data)
    assert SavedFilter.objects.get().query == "/works/?tag=Fluff"


def test_a_filter_name_is_unique_per_reader(client_for, reader_ask):
    client = client_for(reader_ask)
    data = {"name": "Mine", "path": "/works/", "query": "tag=A"}
    client.post(reverse("accounts:save_filter"), data)
    response = client.post(reverse("accounts:save_filter"), {**data, "query": "tag=B"}, follow=True)
    assert "You already have a filter called “Mine”." in response.content.decode()
    assert SavedFilter.objects.get().query == "/works/?tag=A"


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "path": "/works/", "query": ""},
        {"name": "x" * 101, "path": "/works/", "query": ""},
        {"name": "Away", "path": "https://evil.example/", "query": ""},
        {"name": "Away", "path": "//evil.example/", "query": ""},
        # Browsers read a backslash as a slash and drop tabs and newlines: other sites too.
        {"name": "Away", "path": "/\\evil.example/works/", "query": ""},
        {"name": "Away", "path": "/\t/evil.example/", "query": ""},
        {"name": "Away", "path": " /\n/evil.example/", "query": ""},
        {"name": "Long", "path": "/works/", "query": "q=" + "x" * 2000},
        # Short as typed, too long once encoded for the address.
        {"name": "Accents", "path": "/works/", "query": "q=" + "é" * 400},
    ],
)
def test_bad_filters_are_refused(client_for, reader_ask, data):
    response = client_for(reader_ask).post(reverse("accounts:save_filter"), data)
    assert response.status_code == 400
    assert not SavedFilter.objects.exists()


def test_another_readers_filter_cannot_be_deleted(client_for, reader_ask):
    other = make_reader("other")
    saved = SavedFilter.objects.create(reader=other, name="Theirs", query="/works/")
    response = client_for(reader_ask).post(reverse("accounts:delete_filter", args=[saved.pk]))
    assert response.status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()


def test_pages_query_counts(client_for, reader_ask, django_assert_num_queries):
    make_work(tags=[("Angst", A)])
    ExcludedTag.objects.create(reader=reader_ask, tag=Tag.objects.get(name="Angst"))
    SavedFilter.objects.create(reader=reader_ask, name="One", query="/works/")
    client = client_for(reader_ask)
    # session, reader, excluded tags with their tags
    with django_assert_num_queries(3):
        client.get(reverse("accounts:excluded_tags"))
    # session, reader, saved filters
    with django_assert_num_queries(3):
        client.get(reverse("accounts:saved_filters"))


def test_a_filter_saved_before_the_check_is_not_a_link_off_the_site(client_for, reader_ask):
    SavedFilter.objects.create(reader=reader_ask, name="Old", query="/\\evil.example/works/")
    content = client_for(reader_ask).get(reverse("accounts:saved_filters")).content.decode()
    assert "evil.example" not in content
    assert "Old" in content
