"""accounts.relations: the block and mute questions and changes other apps call."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import OuterRef

from accounts import relations
from accounts.models import Block, Mute, Reader, SessionFacts
from tests.factories import make_reader


@pytest.fixture
def ash(db):
    return make_reader("ash")


@pytest.fixture
def wren(db):
    return make_reader("wren")


def test_block_is_idempotent_and_one_way(ash, wren):
    assert relations.block(blocker=ash, blocked=wren) is True
    assert relations.block(blocker=ash, blocked=wren) is False
    assert Block.objects.count() == 1
    assert relations.is_blocked(blocker=ash, blocked=wren)
    assert not relations.is_blocked(blocker=wren, blocked=ash)


def test_unblock_is_idempotent(ash, wren):
    relations.block(blocker=ash, blocked=wren)
    assert relations.unblock(blocker=ash, blocked=wren) is True
    assert relations.unblock(blocker=ash, blocked=wren) is False
    assert not relations.is_blocked(blocker=ash.pk, blocked=wren.pk)


def test_mute_and_unmute_are_idempotent_and_refresh_the_cached_ids(ash, wren):
    assert relations.muted_ids(ash) == frozenset()
    assert relations.mute(reader=ash, muted=wren) is True
    assert relations.mute(reader=ash, muted=wren) is False
    assert relations.muted_ids(ash) == {wren.pk}
    assert relations.unmute(reader=ash, muted=wren) is True
    assert relations.unmute(reader=ash, muted=wren) is False
    assert relations.muted_ids(ash) == frozenset()
    assert Mute.objects.count() == 0


def test_muted_ids_ask_once_per_reader_object(ash, wren, django_assert_num_queries):
    relations.mute(reader=ash, muted=wren)
    with django_assert_num_queries(1):  # the reader's mutes
        relations.muted_ids(ash)
        relations.muted_ids(ash)


def test_the_mutes_read_with_the_session_s_reader_cost_no_query_and_follow_a_change(
    ash, wren, django_assert_num_queries
):
    ash.session_facts = SessionFacts(
        has_drafts=False,
        inbox_unread_count=0,
        standing_choices={},
        excluded_families=frozenset(),
        muted_ids=frozenset(),
    )
    with django_assert_num_queries(0):
        assert relations.muted_ids(ash) == frozenset()

    relations.mute(reader=ash, muted=wren)

    assert relations.muted_ids(ash) == {wren.pk}


def test_blocker_and_blocked_ids(ash, wren):
    relations.block(blocker=ash, blocked=wren)
    assert relations.blocker_ids(wren) == {ash.pk}
    assert relations.blocked_ids(ash) == {wren.pk}
    assert relations.blocker_ids(ash) == frozenset()


def test_a_lost_race_counts_as_already_so(ash, wren, monkeypatch):
    Mute.objects.create(reader=ash, muted=wren)
    # The other request wrote its row between our look-up and our insert.
    monkeypatch.setattr(
        Mute.objects, "get_or_create", lambda **fields: Mute.objects.create(**fields)
    )
    assert relations.mute(reader=ash, muted=wren) is False


def test_no_one_blocks_or_mutes_themselves(ash):
    with pytest.raises(relations.SelfRelationError):
        relations.block(blocker=ash, blocked=ash)
    with pytest.raises(relations.SelfRelationError):
        relations.mute(reader=ash, muted=ash.pk)
    assert not relations.is_blocked(blocker=ash, blocked=ash)


def test_guests_block_and_mute_no_one(ash, django_assert_num_queries):
    guest = AnonymousUser()
    with django_assert_num_queries(0):
        assert relations.muted_ids(guest) == frozenset()
        assert relations.blocker_ids(guest) == frozenset()
        assert not relations.is_blocked(blocker=ash, blocked=guest)
        assert not relations.is_blocked(blocker=None, blocked=ash)
    with pytest.raises(ValueError):
        relations.mute(reader=guest, muted=ash)


def test_read_ahead_reads_several_kinds_in_one_query(ash, wren, django_assert_num_queries):
    birch = make_reader("birch")
    relations.block(blocker=wren, blocked=ash)
    relations.block(blocker=birch, blocked=ash)
    relations.block(blocker=ash, blocked=birch)
    relations.mute(reader=ash, muted=wren)
    reader = Reader.objects.get(pk=ash.pk)
    with django_assert_num_queries(1):
        relations.read_ahead(reader, "blockers", "muted", "blocked")
        assert relations.blocker_ids(reader) == {wren.pk, birch.pk}
        assert relations.muted_ids(reader) == {wren.pk}
        assert relations.blocked_ids(reader) == {birch.pk}
    # A kind with no rows is read as empty, not asked again.
    quiet = make_reader("quiet")
    with django_assert_num_queries(1):
        relations.read_ahead(quiet, "blockers", "muted")
        assert relations.blocker_ids(quiet) == relations.muted_ids(quiet) == frozenset()
    # Guests and ids ask nothing.
    with django_assert_num_queries(0):
        relations.read_ahead(AnonymousUser(), "blockers", "muted")
        relations.read_ahead(ash.pk, "blockers", "muted")


def test_blocks_as_an_expression_agrees_with_is_blocked(ash, wren):
    relations.block(blocker=wren, blocked=ash)
    found = dict(
        Reader.objects.annotate(
            blocks_ash=relations.blocks(blocker=OuterRef("pk"), blocked=ash)
        ).values_list("username", "blocks_ash")
    )
    assert found == {"ash": False, "wren": True}
    guest = Reader.objects.annotate(
        blocks_guest=relations.blocks(blocker=OuterRef("pk"), blocked=AnonymousUser())
    )
    assert not any(guest.values_list("blocks_guest", flat=True))
