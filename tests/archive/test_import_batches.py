"""Importing several files at once: the files are kept as a batch, a job imports them one
by one as drafts, and the batch page follows it. A worker killed at any moment imports
nothing twice."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from archive import tasks
from archive.importing import batches
from archive.models import ImportBatch, ImportBatchFile, Work
from archive.vocabulary import ArchiveWarning, Rating
from tests.factories import make_reader
from tests.test_site import assert_valid_html, count_h1

pytestmark = pytest.mark.django_db

URL = reverse("archive:import_many")
Status = ImportBatchFile.Status

FILES = {
    "a_shop.txt": b"The Quiet Shop\n\nby cora\n\nChapter 1\n\nThe bell rang.\n\nChapter 2\n\nShut.",
    "b_river.txt": b"The River\nAuthor: Wren\n\nThe water ran on.",
    "c_bad.txt": "Caf\xe9 au lait.".encode("latin-1"),
    "d_harbour.html": b"<h1>Harbour</h1><p>Boats came in.</p>",
}


def uploads(files=FILES):
    return [SimpleUploadedFile(name, content) for name, content in files.items()]


def send(client, files=FILES, **fields):
    data = {"rating": Rating.TEEN, "warnings": [ArchiveWarning.NO_WARNINGS], **fields}
    return client.post(URL, {**data, "files": uploads(files)})


@pytest.fixture
def sent(client_for, creator, django_capture_on_commit_callbacks):
    """The creator's batch of four files, sent from the page; the job runs as it commits."""
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client_for(creator), fandoms="Lantern Tales")
    return response, ImportBatch.objects.get()


def results(batch):
    return list(batch.files.order_by("position").values_list("name", "status", "message"))


def start(reader, files=FILES):
    """A batch kept without its job running, as if the worker had not taken it yet."""
    metadata = {"rating": Rating.TEEN, "warnings": ["no-warnings"], "fandoms": []}
    return batches.start_batch(reader=reader, uploads=uploads(files), metadata=metadata)


# The job


def test_the_job_imports_every_file_as_a_draft_and_reports_the_bad_one(sent, creator):
    response, batch = sent

    assert response.status_code == 302
    assert response["Location"] == batch.get_absolute_url()
    assert results(batch) == [
        ("a_shop.txt", Status.IMPORTED, "“The Quiet Shop”, 2 chapters, 4 words"),
        ("b_river.txt", Status.IMPORTED, "“The River”, 1 chapters, 4 words"),
        ("c_bad.txt", Status.REJECTED, "not UTF-8 text"),
        ("d_harbour.html", Status.IMPORTED, "“Harbour”, 1 chapters, 3 words"),
    ]
    works = list(Work.objects.order_by("pk"))
    assert [file.work for file in batch.files.order_by("position")] == [
        works[0],
        works[1],
        None,
        works[2],
    ]
    for work in works:
        assert (work.creator, work.is_posted, work.rating) == (creator, False, Rating.TEEN)
        assert work.warning_values == [ArchiveWarning.NO_WARNINGS]
        assert [tag.name for tag in work.fandoms] == ["Lantern Tales"]
    assert works[0].notes == "<p>Credited in the imported file: by cora</p>"


def test_a_file_without_a_title_is_named_after_the_file(creator):
    batch = start(creator, {"my_lantern story.html": b"<p>She waited.</p>"})

    batches.import_waiting_files(batch.pk)

    assert Work.objects.get().title == "my lantern story"


def test_a_done_file_keeps_no_bytes(sent):
    _response, batch = sent

    assert [bytes(data) for data in batch.files.values_list("data", flat=True)] == [b""] * 4


class WorkerKilled(BaseException):
    """What a killed worker looks like from inside: the job stops where it stands."""


def test_a_run_killed_mid_batch_is_resumed_without_importing_anything_twice(creator, monkeypatch):
    batch = start(creator)
    real_import = batches.import_file
    calls = []

    def killed_on_the_second_file(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise WorkerKilled
        return real_import(*args, **kwargs)

    monkeypatch.setattr(batches, "import_file", killed_on_the_second_file)
    with pytest.raises(WorkerKilled):
        batches.import_waiting_files(batch.pk)

    assert [status for _name, status, _message in results(batch)] == [Status.IMPORTED] + [
        Status.WAITING
    ] * 3
    assert Work.objects.count() == 1

    monkeypatch.setattr(batches, "import_file", real_import)
    assert batches.import_waiting_files(batch.pk) == 3
    assert batches.import_waiting_files(batch.pk) == 0

    assert Work.objects.count() == 3
    assert sorted(Work.objects.values_list("title", flat=True)) == [
        "Harbour",
        "The Quiet Shop",
        "The River",
    ]


def test_a_worker_killed_after_the_work_is_made_leaves_neither_work_nor_result(
    creator, monkeypatch
):
    """The work and the file's result are written in one transaction."""
    batch = start(creator, {"a_shop.txt": FILES["a_shop.txt"]})

    def killed_before_the_result_is_saved(self, *args, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patched:
        patched.setattr(ImportBatchFile, "save", killed_before_the_result_is_saved)
        with pytest.raises(WorkerKilled):
            batches.import_waiting_files(batch.pk)

    assert Work.objects.count() == 0
    assert results(batch) == [("a_shop.txt", Status.WAITING, "")]

    batches.import_waiting_files(batch.pk)

    assert Work.objects.count() == 1
    assert results(batch)[0][1] == Status.IMPORTED


def test_a_file_the_parser_fails_on_is_rejected_and_the_rest_go_on(creator, monkeypatch):
    batch = start(creator)
    real_import = batches.import_file

    def fails_on_the_river(upload, **kwargs):
        if upload.name == "b_river.txt":
            raise RuntimeError("a parser bug")
        return real_import(upload, **kwargs)

    monkeypatch.setattr(batches, "import_file", fails_on_the_river)
    batches.import_waiting_files(batch.pk)

    assert results(batch)[1] == ("b_river.txt", Status.REJECTED, "the archive could not read it")
    assert Work.objects.count() == 2


def test_the_resume_job_takes_up_a_batch_whose_job_was_lost(creator, settings, monkeypatch):
    batch = start(creator)  # its job was never run: the on-commit callback never fired
    assert batches.unfinished_batches() == []  # its own job may still be on its way

    later = timezone.now() + datetime.timedelta(seconds=settings.JOBS_RESUME_AFTER_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert batches.unfinished_batches() == [batch.pk]
    tasks.resume_import_batches.call_local()

    assert Work.objects.count() == 3
    assert batches.unfinished_batches() == []


# The form


def test_the_form_takes_several_files_and_starts_with_no_warning_chosen(client_for, creator):
    response = client_for(creator).get(URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert 'type="file" name="files"' in content and " multiple" in content
    assert content.count(" checked") == 1  # the rating only
    assert count_h1(response) == 1
    assert_valid_html(response, URL)


def test_the_guest_is_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("fields", "limits", "message"),
    [
        ({"files": []}, {}, "This field is required."),
        ({}, {"IMPORT_BATCH_MAX_FILES": 3}, "Choose at most 3 files at once."),
        ({}, {"IMPORT_BATCH_MAX_BYTES": 100}, "The files come to more than"),
        ({"warnings": []}, {}, "This field is required."),
    ],
    ids=["no files", "too many", "too large", "no warning"],
)
def test_a_refused_batch_saves_nothing(client_for, creator, settings, fields, limits, message):
    for name, value in limits.items():
        setattr(settings, name, value)
    data = {"rating": Rating.TEEN, "warnings": [ArchiveWarning.NO_WARNINGS]}
    data |= {"files": uploads()} | fields

    response = client_for(creator).post(URL, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert (ImportBatch.objects.count(), ImportBatchFile.objects.count()) == (0, 0)


# The batch page


def test_the_batch_page_shows_each_files_result_with_links(
    client_for, creator, sent, django_assert_num_queries
):
    _response, batch = sent
    client = client_for(creator)
    url = batch.get_absolute_url()

    # The session, the reader, the batch, its files (without their bytes).
    with django_assert_num_queries(4):
        response = client.get(url)

    content = response.content.decode()
    assert response.status_code == 200
    assert '<progress id="batch-progress" value="4" max="4">' in content
    assert "Every file is done." in content
    shop = Work.objects.get(title="The Quiet Shop")
    assert f'<a href="{shop.get_absolute_url()}">imported as a draft: “The Quiet Shop”' in content
    assert "c_bad.txt</span>: <span data-file-result>rejected: not UTF-8 text" in content
    assert 'http-equiv="refresh"' not in content
    assert count_h1(response) == 1
    assert_valid_html(response, url)


def test_a_running_batch_refreshes_itself_without_javascript(client_for, creator):
    batch = start(creator)

    response = client_for(creator).get(batch.get_absolute_url())

    content = response.content.decode()
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in content
    assert '<progress id="batch-progress" value="0" max="4">' in content
    assert "data-batch-refresh>Refresh</a>" in content
    assert 'src="/static/js/import_batch.js"' in content
    assert "<script>" not in content  # no inline script: the Content-Security-Policy
    assert_valid_html(response, batch.get_absolute_url())


def test_the_progress_json_follows_the_job(client_for, creator, django_assert_num_queries):
    batch = start(creator)
    url = reverse("archive:import_batch_progress", args=[batch.pk])
    client = client_for(creator)

    assert json.loads(client.get(url).content)["done"] == 0
    batches.import_waiting_files(batch.pk)
    # The session, the reader, the batch, its files.
    with django_assert_num_queries(4):
        progress = json.loads(client.get(url).content)

    work = Work.objects.get(title="The Quiet Shop")
    assert (progress["done"], progress["total"], progress["finished"]) == (4, 4, True)
    assert progress["files"][0] == {
        "id": batch.files.get(position=1).pk,
        "name": "a_shop.txt",
        "status": "imported",
        "result": "imported as a draft: “The Quiet Shop”, 2 chapters, 4 words",
        "url": work.get_absolute_url(),
    }
    assert progress["files"][2]["result"] == "rejected: not UTF-8 text"
    assert progress["files"][2]["url"] is None


@pytest.mark.parametrize("name", ["archive:import_batch", "archive:import_batch_progress"])
@pytest.mark.parametrize("persona", ["another", "staff"])
def test_only_the_uploader_sees_their_batch(request, client_for, creator, name, persona):
    batch = start(creator)
    reader = make_reader("another") if persona == "another" else request.getfixturevalue(persona)

    response = client_for(reader).get(reverse(name, args=[batch.pk]))

    assert response.status_code == 404


def test_a_guest_is_sent_to_log_in_from_a_batch(client, creator):
    batch = start(creator)

    response = client.get(batch.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
