"""What is new in the archive reaches every listener, inside the transaction that posts it."""

import pytest

from archive.models import Series
from archive.writing import news, posting
from archive.writing.series import add_work_to_series
from following import updates
from tests.factories import make_work

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self):
        self.heard = []

    def work_posted(self, *, work):
        self.heard.append(("work posted", work.pk))

    def chapter_posted(self, *, chapter):
        self.heard.append(("chapter posted", chapter.pk))

    def part_added(self, *, series, work):
        self.heard.append(("part added", series.pk, work.pk))


@pytest.fixture
def recorder(monkeypatch):
    recorder = Recorder()
    monkeypatch.setattr(news, "_listeners", [recorder])
    return recorder


def test_following_listens_once_however_often_it_asks():
    news.listen(updates)
    assert news._listeners.count(updates) == 1


def test_posting_a_draft_announces_the_work(recorder, creator):
    draft = make_work(creator=creator, is_posted=False)
    posting.post_work(work=draft)
    assert recorder.heard == [("work posted", draft.pk)]


def test_a_chapter_is_news_only_on_a_posted_work(recorder, creator):
    draft = make_work(creator=creator, is_posted=False)
    posting.add_chapter(work=draft, body="<p>Not yet.</p>")
    posted = make_work(creator=creator)
    chapter = posting.add_chapter(work=posted, body="<p>Now.</p>")
    assert recorder.heard == [("chapter posted", chapter.pk)]


def test_adding_a_work_to_a_series_announces_the_part(recorder, creator):
    series = Series.objects.create(creator=creator, title="Tides")
    work = make_work(creator=creator)
    add_work_to_series(series=series, work=work)
    assert recorder.heard == [("part added", series.pk, work.pk)]


def test_a_listener_that_fails_rolls_the_posting_back(monkeypatch, creator):
    class Failing(Recorder):
        def work_posted(self, *, work):
            raise RuntimeError("the listener failed")

    monkeypatch.setattr(news, "_listeners", [Failing()])
    draft = make_work(creator=creator, is_posted=False)
    with pytest.raises(RuntimeError):
        posting.post_work(work=draft)
    draft.refresh_from_db()
    assert not draft.is_posted
