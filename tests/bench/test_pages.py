"""The benchmark: bench.pages' measurements and the bench command (no timing assertions)."""

from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import include, path

from accounts.models import Reader
from archive.models import Tag, TaggedWork, Work
from archive.vocabulary import ArchiveWarning, Rating, TagKind
from bench import pages


def _broken(request):
    raise RuntimeError("a page that fails")


# For the test where pages fail: the archive's own routes, except that /works/ fails.
urlpatterns = [path("works/", _broken), path("", include("config.urls"))]


@pytest.fixture
def tiny_corpus(db):
    call_command("generate_corpus", "--works", "30", "--seed", "2", verbosity=0)


def run_bench(*options):
    out = StringIO()
    call_command("bench", *options, stdout=out, stderr=StringIO(), verbosity=0)
    return out.getvalue()


def test_measure_reports_status_queries_and_percentiles(tiny_corpus, client):
    measured = pages.measure(client, "/healthz", requests=3, page="floor")

    assert (measured.page, measured.url, measured.status) == ("floor", "/healthz", 200)
    assert measured.queries == 1
    assert "SELECT 1" in measured.slowest_query
    assert 0 < measured.p50_ms <= measured.p95_ms


def test_measure_counts_the_queries_of_a_listing_after_warming_up(tiny_corpus, client):
    measured = pages.measure(client, "/works/", requests=3, warmup=1)

    assert measured.status == 200
    assert measured.queries >= 2  # at least the count and the page of works


def test_measure_reports_a_missing_page_as_404(tiny_corpus, client):
    measured = pages.measure(client, "/no-such-page/", requests=3)

    assert measured.status == 404


def test_percentile_is_the_nearest_rank():
    assert pages.percentile([3.0, 1.0, 2.0], 0.95) == 3.0
    assert pages.percentile([5.0], 0.95) == 5.0
    assert pages.percentile(list(range(1, 101)), 0.95) == 95


def test_pages_filter_on_the_top_fandom_and_a_tag_found_with_it(tiny_corpus):
    urls = dict(pages.to_measure())
    filtered = parse_qs(urlsplit(urls["filtered index with facets"]).query)

    fandom, along = (Tag.objects.get(name=name) for name in filtered["tag"])
    assert fandom.kind == TagKind.FANDOM
    assert along.kind == TagKind.ADDITIONAL
    uses = TaggedWork.objects.filter(tag__kind=TagKind.FANDOM, tag__canonical__isnull=True)
    most = max(uses.filter(tag=tag).count() for tag in Tag.objects.filter(kind=TagKind.FANDOM))
    assert uses.filter(tag=fandom).count() == most
    assert Work.objects.tagged(fandom).filter(tags=along).exists()
    excluded = [Tag.objects.get(name=name) for name in filtered["exclude_tag"]]
    assert len(excluded) == 2 and along not in excluded
    assert filtered["exclude_rating"] == [Rating.EXPLICIT]
    assert filtered["exclude_warning"] == [ArchiveWarning.NON_CON]
    assert urls["tag page (top fandom)"] == f"/tags/{fandom.slug}/"


def test_chapter_page_is_of_a_work_that_needs_no_consent(tiny_corpus):
    url = dict(pages.to_measure())["chapter page"]
    work_id = int(url.split("/")[2])

    assert Work.objects.get(pk=work_id).consent_items() == []


def test_downloads_are_the_chapter_pages_work_as_files(tiny_corpus, client):
    urls = dict(pages.to_measure())
    work_id = urls["chapter page"].split("/")[2]

    for kind, content_type in [("EPUB", "application/epub+zip"), ("HTML", "text/html")]:
        url = urls[f"download ({kind})"]
        assert url.startswith(f"/works/{work_id}/download/")
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith(content_type)


def test_bench_prints_and_writes_a_row_per_page_with_its_queries(tiny_corpus, tmp_path):
    output = tmp_path / "bench.md"

    out = run_bench("--requests", "3", "--warmup", "0", "--output", str(output))

    written = output.read_text()
    for page, _ in pages.to_measure():
        assert page in out
        assert f"| {page} |" in written
    assert "works          30" in out
    assert "- works: 30" in written
    table = [line for line in written.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + 8
    assert all(line.split(" | ")[2].isdigit() for line in table[1:])  # queries
    assert "| floor: /healthz | 200 | 1 |" in written


def test_bench_as_a_reader_leaves_no_reader_behind(tiny_corpus):
    readers = Reader.objects.count()

    out = run_bench("--requests", "3", "--warmup", "0", "--as-reader")

    assert "As a signed-in reader" in out
    assert Reader.objects.count() == readers


def test_bench_compares_a_reader_with_a_guest_in_one_run(tiny_corpus, tmp_path):
    output = tmp_path / "bench.md"
    readers = Reader.objects.count()

    out = run_bench("--requests", "3", "--warmup", "0", "--compare", "--output", str(output))

    assert "As a guest" in out and "As a signed-in reader" in out
    written = output.read_text()
    ratios = [line for line in written.splitlines() if line.startswith("| index, page 1 |")]
    assert len(ratios) == 3  # the guest's row, the reader's, and their ratio
    guest_p95, reader_p95, _, ratio = ratios[2].strip("| ").split(" | ")[1:]
    # From the unrounded times: the printed ones are rounded to a tenth of a millisecond.
    assert float(ratio.rstrip("×")) == pytest.approx(float(reader_p95) / float(guest_p95), rel=0.1)
    assert Reader.objects.count() == readers


def test_a_cold_bench_counts_every_listing_afresh(tiny_corpus):
    # Warm, the index reads the generation and no count; cold, every request finds counts of
    # an older generation and has them counted again (in the request here: jobs run at once
    # in tests, where a server hands them to the worker).
    out = run_bench("--requests", "2", "--warmup", "1", "--cold")

    lines = {line.split("  ")[0]: line.split() for line in out.splitlines()}
    warm = {line.split("  ")[0]: line.split() for line in run_bench("--requests", "2").splitlines()}
    assert int(lines["index, page 1"][4]) > int(warm["index, page 1"][4])  # queries
    assert "each after the works changed" in out


def test_bench_compares_or_measures_as_a_reader_not_both(tiny_corpus):
    with pytest.raises(CommandError, match="not both"):
        run_bench("--compare", "--as-reader")


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_fails_the_run_after_reporting_every_page(tiny_corpus):
    out = StringIO()
    with pytest.raises(CommandError, match="2 page\\(s\\) answered with a server error"):
        call_command(
            "bench", "--requests", "3", "--warmup", "0", stdout=out, stderr=StringIO(), verbosity=0
        )

    lines = {line.split("  ")[0]: line.split() for line in out.getvalue().splitlines()}
    assert lines["index, page 1"][3] == "500"
    assert lines["filtered index with facets"][4] == "500"
    assert lines["chapter page"][2] == "200"


def test_bench_without_a_corpus_says_what_to_do(db):
    with pytest.raises(CommandError, match="generate a corpus first"):
        run_bench("--requests", "3")
