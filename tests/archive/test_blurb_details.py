"""What blurbs and work pages print: counts with thousands separators, language names, the
latest chapter's link and rating badges told apart by more than colour."""

import re
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse

from archive import languages
from archive.listing.filters import WorkFilterForm
from archive.models import Tag, Work
from archive.templatetags.display import thousands
from archive.vocabulary import Rating, TagKind
from tests.factories import make_work

pytestmark = pytest.mark.django_db

INDEX = reverse("archive:work_list")


@pytest.mark.parametrize(
    "number, printed",
    [(0, "0"), (999, "999"), (1000, "1,000"), (1234567, "1,234,567"), (None, None), ("7", "7")],
)
def test_thousands_groups_digits_and_leaves_the_rest(number, printed):
    assert thousands(number) == printed


def test_thousands_is_a_filter_every_template_has():
    assert Template("{{ n|thousands }}").render(Context({"n": 12345})) == "12,345"


def test_blurb_and_work_page_print_counts_with_separators(client, creator):
    work = make_work(creator=creator, title="Long one", chapters=3)
    Work.objects.filter(pk=work.pk).update(
        word_count=123456, hits=1234567, kudos_count=2345, public_bookmark_count=3456,
        comment_count=4567,
    )  # fmt: skip
    for url in [INDEX, work.get_absolute_url()]:
        content = client.get(url).content.decode()
        for printed in ["123,456", "1,234,567", "2,345", "3,456", "4,567"]:
            assert f">{printed}<" in content, (url, printed)
        assert "123456" not in content and "1234567" not in content


def test_result_counts_have_separators(rf):
    # As a large archive would count: a page of no works out of many.
    page = SimpleNamespace(
        object_list=[], paginator=SimpleNamespace(count=12345), has_other_pages=lambda: False
    )
    request = rf.get(INDEX)
    request.user = AnonymousUser()
    context = {"page": page, "hidden_count": 1500, "form": WorkFilterForm()}
    content = render_to_string("includes/listing.html", context, request=request)
    assert "12,345 works" in content and "1,500 hidden" in content


@pytest.mark.parametrize(
    "code, name",
    [
        ("en", "English"),
        ("EN-us", "English"),
        ("ja", "Japanese"),
        ("pt-br", "Brazilian Portuguese"),
        ("zh", "Chinese"),
        ("tlh", "tlh"),  # no name known: the code itself
        ("", ""),
    ],
)
def test_language_names(code, name):
    assert languages.name(code) == name


def test_blurbs_and_work_pages_name_the_language(client):
    work = make_work(title="Translated", language="ja")
    for url in [INDEX, work.get_absolute_url()]:
        content = client.get(url).content.decode()
        assert "<dt>Language</dt><dd>Japanese</dd>" in content


def test_the_language_filter_lists_languages_by_name(client):
    make_work(language="en")
    content = client.get(INDEX).content.decode()
    select = re.search(r'<select name="language".*?</select>', content, re.S).group(0)
    assert '<option value="en">English</option>' in select
    assert '<option value="ja">Japanese</option>' in select
    assert '<option value="" selected>Any language</option>' in select
    assert 'for="id_language"' in content


def test_the_language_filter_finds_regional_variants_and_any_case(client):
    english = make_work(title="Colour", language="en-gb")
    make_work(title="Kotoba", language="ja")
    for value in ["en", "EN"]:
        response = client.get(INDEX, {"language": value})
        assert response.status_code == 200
        assert list(response.context["page"].object_list) == [english]


def test_an_unknown_language_is_a_clear_400(client):
    make_work()
    response = client.get(INDEX, {"language": "xx-not-a-language"})
    assert response.status_code == 400
    assert "could not be used, and was left out" in response.content.decode()


def latest_link(work):
    return reverse("archive:chapter_detail", args=[work.pk, work.chapter_count])


def test_blurb_links_the_latest_chapter(client):
    work = make_work(title="Serial", chapters=3, expected_chapters=5)
    content = client.get(INDEX).content.decode()
    assert f'<a href="{latest_link(work)}" aria-label="Latest chapter, 3">3</a>/5' in content


def test_a_one_chapter_work_links_no_chapter(client):
    work = make_work(title="Single", chapters=1, complete=True)
    content = client.get(INDEX).content.decode()
    assert "<dt>Chapters</dt><dd>1/1</dd>" in content
    assert reverse("archive:chapter_detail", args=[work.pk, 1]) not in content


def test_the_latest_chapter_link_is_behind_the_consent_gate(client):
    work = make_work(title="Gated serial", rating="explicit", chapters=3)
    content = client.get(INDEX).content.decode()
    assert latest_link(work) in content
    response = client.get(latest_link(work))
    assert response.status_code == 200
    assert "archive/interstitial.html" in [t.name for t in response.templates]
    assert "storytext-" not in response.content.decode()


def test_the_latest_chapter_link_opens_the_latest_chapter(client):
    work = make_work(title="Open serial", chapters=3)
    content = client.get(latest_link(work)).content.decode()
    assert f"storytext-{work.pk}-3" in content


def _listing_pages(creator, tag):
    return [
        INDEX,
        reverse("archive:tag_detail", args=[tag.slug]),
        reverse("archive:creator_detail", args=[creator.username]),
        reverse("archive:search") + "?q=Summary",
    ]


@pytest.mark.parametrize(
    "page_index, queries",
    [
        # the listing generation, the count, the works, their tags (warnings come with them)
        (0, 4),
        # the tag, its synonyms, the listing generation, the facets with the count, the
        # works, their tags
        (1, 6),
        # the person, the count, the series, the works, their tags
        (2, 5),
        # the listing generation, the ranked matches, the works, their tags, the first
        # matching chapter of each, the matching series
        (3, 6),
    ],
)
def test_listing_query_counts_do_not_grow_with_the_works(
    client, creator, django_assert_num_queries, page_index, queries
):
    tag = Tag.objects.create(name="Slow Burn", kind=TagKind.ADDITIONAL)
    for size in [1, 8]:
        while Work.objects.count() < size:
            make_work(creator=creator, chapters=3, tags=[(tag.name, tag.kind)])
        url = _listing_pages(creator, tag)[page_index]
        cache.clear()  # counted at each size, not served late while a job counts again
        with django_assert_num_queries(queries):
            response = client.get(url)
        assert len(response.context["page"].object_list) == size
        assert response.content.decode().count("Latest chapter, 3") == size


def test_rating_badges_differ_by_class_and_symbol_and_name_the_rating(client):
    for rating in Rating.values:
        make_work(rating=rating, title=f"Rated {rating}")
    content = client.get(INDEX).content.decode()
    badges = re.findall(r'<li class="badge rating (rating-[a-z-]+)">(.*?)</li>', content)
    assert {css for css, _ in badges} == {f"rating-{rating}" for rating in Rating.values}
    symbols = {}
    for css, markup in badges:
        symbol = re.search(r'<span class="rating-symbol" aria-hidden="true">(.+?)</span>', markup)
        symbols[css] = symbol.group(1)
        label = Rating(css.removeprefix("rating-")).label
        assert f'<span class="visually-hidden">Rating: </span>{label}' in markup
    assert len(set(symbols.values())) == len(Rating.values)


def test_each_rating_symbol_has_a_shape_of_its_own():
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "css" / "archive.css").read_text()
    shapes = {}
    for rating in Rating.values:
        rule = re.search(rf"\.rating-{rating} \.rating-symbol\s*\{{([^}}]*)\}}", css).group(1)
        shapes[rating] = re.sub(r"(color|background):[^;]*;", "", rule).strip()
    assert len(set(shapes.values())) == len(Rating.values)
