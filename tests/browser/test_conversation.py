"""Two readers talk in a thread under a chapter; the work's creator finds the comment in the
inbox, with its count in the header, and answers from there."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_reader, make_work


def log_in(page, reader):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Username").fill(reader.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def people(transactional_db):
    author, wren, finch = make_reader("lamplighter"), make_reader("wren"), make_reader("finch")
    work = make_work(creator=author, title="The Long Watch", chapters=2)
    return author, wren, finch, work


def test_two_readers_converse_and_the_creator_answers_from_the_inbox(
    page, chromium, live_server, people
):
    author, wren, finch, work = people

    log_in(page, wren)
    page.goto(reverse("archive:chapter_detail", args=[work.pk, 1]))
    page.get_by_role("link", name="Comments on Chapter 1: Part 1").click()
    page.get_by_role("textbox", name="Comment").fill("The lighthouse scene was wonderful.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("status")).to_contain_text("Your comment was posted.")
    expect(page.get_by_text("The lighthouse scene was wonderful.")).to_be_visible()

    finch_context = chromium.new_context(base_url=live_server.url)
    try:
        finch_page = finch_context.new_page()
        log_in(finch_page, finch)
        finch_page.goto(reverse("conversation:chapter_comments", args=[work.pk, 1]))
        finch_page.get_by_role("link", name="Reply to wren").click()
        finch_page.get_by_role("textbox", name="Comment").fill("It was! The storm too.")
        finch_page.get_by_role("button", name="Post reply").click()
        reply = finch_page.locator(".comment.indent-1")
        expect(reply).to_contain_text("It was! The storm too.")
        expect(reply).to_contain_text("replying to wren")
    finally:
        finch_context.close()

    # Wren hears of the reply and answers in the thread.
    page.reload()
    expect(page.locator(".inbox-count")).to_have_text("1")
    page.get_by_role("link", name="Inbox").click()
    expect(page.locator(".inbox-item").first).to_contain_text("finch replied to your comment")
    page.locator(".inbox-item").first.locator("summary", has_text="Reply").click()
    page.get_by_role("textbox", name="Comment").fill("The storm most of all.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_role("status")).to_contain_text("Your comment was posted.")

    author_context = chromium.new_context(base_url=live_server.url)
    try:
        author_page = author_context.new_page()
        log_in(author_page, author)
        expect(author_page.locator(".inbox-count")).to_have_text("3")
        author_page.get_by_role("link", name="Inbox").click()
        notice = author_page.locator(".inbox-item", has_text="wren commented on your work").last
        expect(notice).to_contain_text("The lighthouse scene was wonderful.")
        notice.locator("summary", has_text="Reply").click()
        notice.get_by_role("textbox", name="Comment").fill("Thank you for reading!")
        notice.get_by_role("button", name="Post reply").click()
        expect(author_page.get_by_role("status")).to_contain_text("Your comment was posted.")
        author_page.get_by_role("button", name="Mark all read").click()
        expect(author_page.locator(".inbox-count")).to_have_count(0)

        author_page.goto(reverse("conversation:chapter_comments", args=[work.pk, 1]))
        answer = author_page.locator(".comment", has_text="Thank you for reading!")
        expect(answer).to_contain_text("Creator")
        expect(answer).to_contain_text("replying to wren")
    finally:
        author_context.close()

    page.goto(reverse("conversation:inbox"))
    expect(page.locator(".inbox-item").first).to_contain_text("lamplighter replied")

    # Wren mutes the creator from their page: the work leaves wren's lists, and comes back.
    page.goto(reverse("archive:work_list"))
    expect(page.get_by_role("link", name="The Long Watch")).to_be_visible()
    page.goto(reverse("archive:creator_detail", args=[author.username]))
    page.get_by_role("button", name="Mute lamplighter").click()
    expect(page.get_by_role("status").first).to_contain_text("You mute lamplighter")
    page.goto(reverse("archive:work_list"))
    expect(page.get_by_role("link", name="The Long Watch")).to_have_count(0)
    expect(page.locator(".result-count")).to_contain_text("1 hidden by your preferences")
    page.goto(reverse("accounts:people"))
    page.get_by_role("button", name="Unmute lamplighter").click()
    page.goto(reverse("archive:work_list"))
    expect(page.get_by_role("link", name="The Long Watch")).to_be_visible()


def test_a_guest_comments_on_a_moderated_work_and_the_creator_sorts_the_inbox(
    page, chromium, live_server, people
):
    from conversation.models import WorkCommentSettings

    author, wren, _, work = people
    WorkCommentSettings.objects.create(work=work, moderated=True)
    comments_url = reverse("conversation:chapter_comments", args=[work.pk, 1])

    guest_context = chromium.new_context(base_url=live_server.url)
    try:
        guest = guest_context.new_page()
        guest.goto(comments_url)
        expect(guest.get_by_text("Comments on this work are moderated")).to_be_visible()
        for name, text in [("Sparrow", "What a storm."), ("Seller", "Cheap watches here.")]:
            guest.get_by_label("Your name").fill(name)
            guest.get_by_label("Your email address").fill("guest@example.com")
            guest.get_by_role("textbox", name="Comment").fill(text)
            guest.get_by_role("button", name="Post comment").click()
            expect(guest.get_by_role("status")).to_contain_text("once the work's creator approves")
        expect(guest.get_by_text("What a storm.")).to_have_count(0)
    finally:
        guest_context.close()

    log_in(page, author)
    page.get_by_role("link", name="Inbox").click()
    sparrow = page.locator(".inbox-item", has_text="Sparrow commented")
    expect(sparrow).to_contain_text("What a storm.")
    sparrow.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("The comment is shown.")
    seller = page.locator(".inbox-item", has_text="Seller commented")
    seller.get_by_role("button", name="Mark as spam").click()
    expect(page.get_by_role("status")).to_contain_text("marked as spam")
    expect(page.locator(".inbox-item", has_text="Seller commented")).to_have_count(0)

    page.goto(comments_url)
    expect(page.get_by_text("Cheap watches here.")).to_have_count(0)
    page.get_by_role("link", name="Delete the comment by Sparrow").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete this comment?")
    expect(page.locator(".quoted-comment")).to_contain_text("What a storm.")
    page.get_by_role("button", name="Delete this comment").click()
    expect(page.get_by_role("status")).to_contain_text("The comment was deleted.")
    expect(page.get_by_text("What a storm.")).to_have_count(0)
