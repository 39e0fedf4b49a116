"""What the archive's download tests share: a work with every kind of metadata."""

import pytest

from archive.models import Chapter, Work
from archive.vocabulary import TagKind
from tests.factories import make_work


@pytest.fixture
def full_work(db):
    """A work of two chapters with every kind of metadata a download shows."""
    work = make_work(
        title="A Full Work",
        rating="teen",
        warnings=["no-warnings"],
        chapters=2,
        categories=["f/f"],
        notes="<p>Work notes.</p>",
        end_notes="<p>Work end notes.</p>",
        complete=True,
        tags=[
            ("Fandom One", TagKind.FANDOM),
            ("A/B", TagKind.RELATIONSHIP),
            ("Character C", TagKind.CHARACTER),
            ("Fluff", TagKind.ADDITIONAL),
        ],
    )
    Work.objects.filter(pk=work.pk).update(summary="<p>The summary &amp; more.</p>")
    Chapter.objects.filter(work=work, position=1).update(
        summary="<p>Chapter summary.</p>",
        notes="<p>Chapter notes.</p>",
        end_notes="<p>Chapter end notes.</p>",
    )
    return Work.objects.with_blurb().get(pk=work.pk)
