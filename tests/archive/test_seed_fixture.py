"""The five seed works: the committed fixture, what it holds, and how the site shows it."""

import re
import tomllib

from django.urls import reverse

from archive.importing import seeds
from archive.importing.text import parse_work
from archive.models import Tag, Work
from archive.vocabulary import ArchiveWarning, Rating, TagKind

INTERSTITIAL = "Show me this work"
GATED_RATINGS = {Rating.MATURE, Rating.EXPLICIT, Rating.NOT_RATED}
TAG_FIELDS = {
    "fandoms": TagKind.FANDOM,
    "relationships": TagKind.RELATIONSHIP,
    "characters": TagKind.CHARACTER,
    "additional_tags": TagKind.ADDITIONAL,
}
# What stripped emphasis leaves behind when it is not cleaned up: "inever/i".
MARKUP_REMNANT_RE = re.compile(r"\w/(?:i|b|u|em|strong)\b|\[/?(?:i|b|u)\]")
CAPTION = '<p class="break-caption">'


def seed_metadata():
    return [
        tomllib.loads(path.with_suffix(".toml").read_text(encoding="utf-8"))
        for path in seeds.seed_paths()
    ]


def expected_consent_items(work):
    items = {f"rating:{work.rating}"} if work.rating in GATED_RATINGS else set()
    items |= {f"warning:{w}" for w in work.warning_values if w != ArchiveWarning.NO_WARNINGS}
    return items


def first_paragraph(work):
    return work.chapters.order_by("position").first().body.split("\n")[0]


def page_text(response):
    """The page without the paragraph ids reading pages add, so it compares with the bodies."""
    return re.sub(r' id="c\d+-p\d+"', "", response.content.decode())


# The committed file


def test_committed_fixture_is_what_the_seed_texts_import_as(db):
    committed = seeds.FIXTURE_PATH.read_text(encoding="utf-8")

    assert seeds.build_fixture() == committed, (
        "fixtures/seed_works.json is out of date with the importer or the seed metadata: "
        "run `make fixtures` and commit the result."
    )


def test_building_the_fixture_saves_nothing(db):
    seeds.build_fixture()

    assert Work.objects.count() == 0
    assert Tag.objects.count() == 0


def test_fixture_does_not_depend_on_tags_already_in_the_database(db):
    Tag.objects.create(name="Angst", kind=TagKind.ADDITIONAL)

    assert seeds.build_fixture() == seeds.FIXTURE_PATH.read_text(encoding="utf-8")


# What the fixture holds


def test_fixture_holds_one_work_per_seed_text(seeded):
    assert len(seeded) == len(seeds.seed_paths()) == 5


def test_every_seed_has_chapters_and_warnings(seeded):
    for work in seeded:
        assert work.chapters.count() >= 1, work.title
        assert work.chapter_count == work.chapters.count(), work.title
        assert len(work.warning_values) >= 1, work.title


def test_seed_ratings_and_warnings_are_those_of_their_metadata(seeded):
    for work, metadata in zip(seeded, seed_metadata(), strict=True):
        assert work.rating == metadata["rating"], work.title
        assert work.warning_values == sorted(metadata["warnings"]), work.title


def test_each_seed_is_rated_and_warned_as_its_text_warrants(seeded):
    # Pinned here as well as in the metadata files, so that lowering a seed's rating or
    # dropping a warning is a deliberate change to two places, never a slip in one.
    assert {work.title: (work.rating, work.warning_values) for work in seeded} == {
        "The Academy Fire": ("teen", ["major-character-death"]),
        "Bringing Kakashi Home": ("mature", ["non-con", "underage"]),
        "Stuck in the Darkness": ("explicit", ["graphic-violence", "non-con"]),
        "The Unknown Misery of Umino Iruka": (
            "explicit",
            ["graphic-violence", "major-character-death", "underage"],
        ),
        "After Mizuki": ("mature", ["major-character-death", "non-con", "underage"]),
    }


def test_a_stripped_italic_in_a_seed_is_shown_as_emphasis(seeded):
    work = Work.objects.get(title="The Unknown Misery of Umino Iruka")

    assert work.chapters.get().body.count("<em>") == 1


def test_the_authors_pairings_are_kept_in_the_seed_notes(seeded):
    work = Work.objects.get(title="Stuck in the Darkness")

    assert "<p>Author's pairings: Iruka/Kakashi and Naruto/Sasuke</p>" in work.notes


def test_seed_tags_are_those_of_their_metadata_with_the_right_kinds(seeded):
    for work, metadata in zip(seeded, seed_metadata(), strict=True):
        for field, kind in TAG_FIELDS.items():
            names = [tag.name for tag in work.tags_of_kind(kind)]
            assert names == sorted(metadata[field]), f"{work.title}: {field}"


def test_seed_tags_cover_all_four_kinds(seeded):
    kinds = set(Tag.objects.values_list("kind", flat=True))

    assert kinds == set(TagKind.values)


def test_seed_word_counts_are_the_sums_over_chapters(seeded):
    for work in seeded:
        chapters = list(work.chapters.all())
        assert work.word_count == sum(chapter.word_count for chapter in chapters), work.title
        assert work.word_count > 1000, work.title


def test_seed_text_has_no_non_breaking_spaces_or_markup_remnants(seeded):
    for work in seeded:
        texts = [work.summary, work.notes, work.end_notes]
        for chapter in work.chapters.all():
            texts += [chapter.body, chapter.notes, chapter.end_notes]
        for text in texts:
            assert "\u00a0" not in text, work.title
            assert "&nbsp;" not in text, work.title
            assert not MARKUP_REMNANT_RE.search(text), work.title


def test_seed_bodies_are_only_paragraphs_breaks_and_captions(seeded):
    text = r"(?:[^<>]|</?em>)+"  # a stripped italic in the text comes back as emphasis
    element = re.compile(rf'^(?:<hr>|<p>{text}</p>|<p class="break-caption">{text}</p>)$')
    for work in seeded:
        for chapter in work.chapters.all():
            for line in chapter.body.split("\n"):
                assert element.match(line), f"{work.title}: {line[:80]}"


def test_seed_summaries_are_marked_as_the_archives_only_when_the_text_had_none(seeded):
    for work, path in zip(seeded, seeds.seed_paths(), strict=True):
        text_summary = parse_work(path.read_text(encoding="utf-8")).summary
        assert work.summary, work.title
        assert work.summary_by_archive is not bool(text_summary), work.title


def test_seed_chapter_seven_stands_alone_and_is_not_complete(seeded):
    work = Work.objects.get(title="Bringing Kakashi Home")

    (chapter,) = work.chapters.all()
    assert (chapter.position, chapter.title) == (7, "The Rescue")
    assert work.complete is False
    assert work.chapters_display == "1/?"


# How the site shows the seeds


def test_every_seed_needs_consent_for_its_rating_and_warnings(seeded):
    for work in seeded:
        assert work.consent_items(), work.title
        assert set(work.consent_items()) == expected_consent_items(work), work.title


def test_guest_is_asked_before_any_seed_text(client, seeded):
    for work in seeded:
        response = client.get(work.get_absolute_url())

        content = page_text(response)
        assert response.status_code == 200
        assert INTERSTITIAL in content, work.title
        assert first_paragraph(work) not in content, work.title
        for item in work.consent_items():
            assert f'data-item="{item}"' in content, f"{work.title}: {item}"


def test_reader_who_agreed_in_advance_reads_each_seed(client_for, reader_show, seeded):
    client = client_for(reader_show)
    for work in seeded:
        content = page_text(client.get(work.get_absolute_url()))

        assert INTERSTITIAL not in content, work.title
        assert first_paragraph(work) in content, work.title


def test_scene_break_captions_are_rendered_as_break_caption_paragraphs(
    client_for, reader_show, seeded
):
    work = Work.objects.get(title="Bringing Kakashi Home")
    url = reverse("archive:chapter_detail", args=[work.pk, 7])

    content = page_text(client_for(reader_show).get(url))

    assert "Chapter 7: The Rescue" in content
    assert content.count(CAPTION) == work.chapters.get().body.count(CAPTION) == 4
