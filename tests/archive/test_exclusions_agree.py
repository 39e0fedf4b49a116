"""The exclusion rule read both ways agrees with itself: a work is in a reader's lists exactly
when the reader is not among those the work is hidden from (whom its alerts skip)."""

import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import ConsentChoice, ExcludedTag, Mute, Reader
from archive.consent import policy
from archive.listing import exclusions
from archive.models import Tag, Work
from archive.vocabulary import (
    RATING_ITEMS,
    WARNING_ITEMS,
    ArchiveWarning,
    Rating,
    StandingChoice,
    TagKind,
)
from archive.writing.tags import make_synonym
from config.auth import ReaderBackend
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    """Two creators, and tags of two families (one canonical tag with a synonym) and a third
    tag on its own."""
    first, second = make_reader("first-maker"), make_reader("second-maker")
    canonical = Tag.objects.create(name="Canonical Fandom", kind=TagKind.FANDOM)
    synonym = Tag.objects.create(name="Synonym Fandom", kind=TagKind.FANDOM)
    make_synonym(tag=synonym, canonical=canonical)
    plain = Tag.objects.create(name="Plain Tag", kind=TagKind.ADDITIONAL)
    other = Tag.objects.create(name="Other Tag", kind=TagKind.ADDITIONAL)
    tags = [canonical, synonym, plain, other]
    return {"creators": [first, second, None], "tags": [Tag.objects.get(pk=t.pk) for t in tags]}


def make_hider(name, *, hide=(), tags=(), mutes=()):
    """A reader who hides the items in `hide`, excludes `tags` and mutes `mutes`."""
    reader = make_reader(name)
    ConsentChoice.objects.bulk_create(
        ConsentChoice(reader=reader, item=item, choice=StandingChoice.HIDE) for item in hide
    )
    ExcludedTag.objects.bulk_create(ExcludedTag(reader=reader, tag=tag) for tag in tags)
    Mute.objects.bulk_create(Mute(reader=reader, muted=muted) for muted in mutes)
    return reader


def make_tagged_work(*, rating, warnings, tags, creator):
    pairs = [(tag.name, tag.kind) for tag in tags]
    return make_work(rating=rating, warnings=warnings, tags=pairs, creator=creator, chapters=0)


def both_directions(readers, works):
    """(reader, work) pairs: those where the reader's lists hold the work, and those where
    the work is not hidden from the reader. Read afresh, with what the database derived."""
    reader_ids = [reader.pk for reader in readers]
    work_ids = [work.pk for work in works]
    listed = set()
    for reader in Reader.objects.filter(pk__in=reader_ids):
        shown = Work.objects.filter(pk__in=work_ids).excluding(exclusions.for_reader(reader))
        listed |= {(reader.pk, work_id) for work_id in shown.values_list("pk", flat=True)}
    reached = set()
    for work in Work.objects.filter(pk__in=work_ids):
        audience = Reader.objects.filter(pk__in=reader_ids)
        hiding = exclusions.readers_hiding(work)
        if hiding is not None:
            audience = audience.exclude(hiding)
        reached |= {(reader_id, work.pk) for reader_id in audience.values_list("pk", flat=True)}
    return listed, reached


def test_every_kind_of_exclusion_hides_the_same_pairs_both_ways(world):
    first, second, _ = world["creators"]
    canonical, synonym, plain, other = world["tags"]
    hiders = {
        "nothing": make_hider("hides-nothing"),
        "shows everything": make_reader("shows-all", choice=StandingChoice.SHOW),
        "a rating that needs consent": make_hider("hides-mature", hide=["rating:mature"]),
        "a rating that needs none": make_hider("hides-general", hide=["rating:general"]),
        "a warning that needs consent": make_hider(
            "hides-violence", hide=["warning:graphic-violence"]
        ),
        "the warning that needs none": make_hider("hides-none-apply", hide=["warning:no-warnings"]),
        "a synonym's family": make_hider("excludes-synonym", tags=[synonym]),
        "a canonical tag's family": make_hider("excludes-canonical", tags=[canonical]),
        "a tag of its own": make_hider("excludes-plain", tags=[plain]),
        "a creator": make_hider("mutes-first", mutes=[first]),
        "several ways at once": make_hider(
            "hides-several",
            hide=["rating:explicit", "warning:non-con"],
            tags=[other],
            mutes=[second],
        ),
    }
    shapes = [
        ("general", ["no-warnings"]),
        ("teen", ["graphic-violence"]),
        ("mature", ["no-warnings"]),
        ("explicit", ["non-con", "major-character-death"]),
        ("not-rated", ["choose-not-to-warn"]),
    ]
    tag_sets = [[], [canonical], [synonym], [plain], [other, plain]]
    # Every shape with every set of tags, the creators taking turns.
    creators = itertools.cycle(world["creators"])
    works = [
        make_tagged_work(rating=rating, warnings=warnings, tags=tags, creator=next(creators))
        for (rating, warnings), tags in itertools.product(shapes, tag_sets)
    ]

    listed, reached = both_directions(hiders.values(), works)

    assert listed == reached
    # The data reaches every kind: each hider misses some works and not others.
    pairs = {(reader.pk, work.pk) for reader in hiders.values() for work in works}
    for way, reader in hiders.items():
        hidden = {work for reader_id, work in pairs - listed if reader_id == reader.pk}
        if way in {"nothing", "shows everything"}:
            assert not hidden, way
        else:
            assert 0 < len(hidden) < len(works), way


def test_a_synonym_hides_the_works_of_its_whole_family_both_ways(world):
    canonical, synonym, _, _ = world["tags"]
    reader = make_hider("excludes-synonym", tags=[synonym])
    on_canonical = make_tagged_work(
        rating="general", warnings=["no-warnings"], tags=[canonical], creator=None
    )
    on_synonym = make_tagged_work(
        rating="general", warnings=["no-warnings"], tags=[synonym], creator=None
    )

    listed, reached = both_directions([reader], [on_canonical, on_synonym])

    assert listed == reached == set()


def test_the_session_s_reader_brings_the_exclusions_the_database_gives(
    world, rf, django_assert_num_queries
):
    first, second, _ = world["creators"]
    canonical, synonym, plain, _ = world["tags"]
    reader = make_hider(
        "hides-several",
        hide=["rating:explicit", "warning:no-warnings"],
        tags=[synonym, plain],
        mutes=[first, second],
    )
    ConsentChoice.objects.create(reader=reader, item="rating:mature", choice=StandingChoice.SHOW)
    request = rf.get("/")
    request.user = ReaderBackend().get_user(reader.pk)

    with django_assert_num_queries(0):
        from_facts = exclusions.for_request(request), policy.standing_choices(request)

    fresh = Reader.objects.get(pk=reader.pk)
    choices = dict(fresh.consent_choices.values_list("item", "choice"))
    assert from_facts == (exclusions.for_reader(fresh), choices)
    assert from_facts[0].families == {canonical.pk, plain.pk}
    assert from_facts[1]["rating:mature"] == StandingChoice.SHOW


standing_items = st.sampled_from([*RATING_ITEMS, *WARNING_ITEMS])
warnings = st.lists(st.sampled_from(ArchiveWarning.values), min_size=1, max_size=3, unique=True)
small_subsets = st.lists(st.integers(0, 3), max_size=3, unique=True)


@st.composite
def readers_and_works(draw):
    readers = [
        {
            "hide": draw(st.lists(standing_items, max_size=3, unique=True)),
            "tags": draw(small_subsets),
            "mutes": draw(st.lists(st.integers(0, 1), max_size=2, unique=True)),
        }
        for _ in range(draw(st.integers(1, 3)))
    ]
    works = [
        {
            "rating": draw(st.sampled_from(Rating.values)),
            "warnings": draw(
                st.lists(
                    st.sampled_from(ArchiveWarning.values), min_size=1, max_size=3, unique=True
                )
            ),
            "tags": draw(small_subsets),
            "creator": draw(st.integers(0, 2)),
        }
        for _ in range(draw(st.integers(1, 4)))
    ]
    return readers, works


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=readers_and_works())
def test_any_exclusions_agree_both_ways(world, drawn):
    readers_drawn, works_drawn = drawn
    creators, tags = world["creators"], world["tags"]
    with transaction.atomic():
        readers = [
            make_hider(
                f"drawn-{n}",
                hide=reader["hide"],
                tags=[tags[i] for i in reader["tags"]],
                mutes=[creators[i] for i in reader["mutes"]],
            )
            for n, reader in enumerate(readers_drawn)
        ]
        works = [
            make_tagged_work(
                rating=work["rating"],
                warnings=work["warnings"],
                tags=[tags[i] for i in work["tags"]],
                creator=creators[work["creator"]],
            )
            for work in works_drawn
        ]

        listed, reached = both_directions(readers, works)

        assert listed == reached
        transaction.set_rollback(True)
