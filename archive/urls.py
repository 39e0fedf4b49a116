from django.urls import path
from django.views.generic import RedirectView

from archive.feeds import WorksFeed
from archive.views import (
    bookmarks,
    downloads,
    history,
    importing,
    kudos,
    listing,
    opds,
    posting,
    reading,
)

app_name = "archive"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="archive:work_list"), name="home"),
    path("works/", listing.work_list, name="work_list"),
    path("search/", listing.search_works, name="search"),
    path("tags/autocomplete/", listing.tag_autocomplete, name="tag_autocomplete"),
    path("tags/<str:slug>/", listing.tag_detail, name="tag_detail"),
    path("works/import/", importing.import_work, name="import_work"),
    path("works/<int:work_id>/", reading.work_detail, name="work_detail"),
    path("works/<int:work_id>/entire/", reading.work_entire, name="work_entire"),
    path(
        "works/<int:work_id>/chapters/<int:position>/",
        reading.chapter_detail,
        name="chapter_detail",
    ),
    path("works/<int:work_id>/consent/", reading.give_consent, name="consent"),
    path("works/<int:work_id>/kudos/", kudos.leave_kudos, name="kudos"),
    path("works/<int:work_id>/bookmark/", bookmarks.bookmark_work, name="bookmark_work"),
    path("works/<int:work_id>/bookmarks/", bookmarks.work_bookmarks, name="work_bookmarks"),
    path("works/<int:work_id>/later/", bookmarks.mark_for_later, name="mark_for_later"),
    path("bookmarks/", bookmarks.my_bookmarks, name="my_bookmarks"),
    path("bookmarks/<int:bookmark_id>/delete/", bookmarks.delete_bookmark, name="delete_bookmark"),
    path("readers/<str:username>/bookmarks/", bookmarks.reader_bookmarks, name="reader_bookmarks"),
    path("marked-for-later/", bookmarks.marked_for_later, name="marked_for_later"),
    path("works/<int:work_id>/place/", history.record_place, name="record_place"),
    path("history/", history.history, name="history"),
    path("history/clear/", history.clear_history, name="clear_history"),
    path("history/switch/", history.switch_history, name="switch_history"),
    path("works/new/", posting.new_work, name="new_work"),
    path("works/<int:work_id>/edit/", posting.edit_work, name="edit_work"),
    path("works/<int:work_id>/post/", posting.post_work, name="post_work"),
    path("works/<int:work_id>/delete/", posting.delete_work, name="delete_work"),
    path("works/<int:work_id>/chapters/new/", posting.new_chapter, name="new_chapter"),
    path(
        "works/<int:work_id>/chapters/<int:position>/edit/",
        posting.edit_chapter,
        name="edit_chapter",
    ),
    path(
        "works/<int:work_id>/chapters/<int:position>/move/",
        posting.move_chapter,
        name="move_chapter",
    ),
    path(
        "works/<int:work_id>/chapters/<int:position>/delete/",
        posting.delete_chapter,
        name="delete_chapter",
    ),
    path("my/works/", posting.my_works, name="my_works"),
    # Downloads, feeds and the OPDS catalog; the public routes come before the private
    # ones so that a path such as "opds/tags/" is never taken for a token.
    path(
        "works/<int:work_id>/download/<slug:slug>.epub",
        downloads.download_epub,
        name="download_epub",
    ),
    path(
        "works/<int:work_id>/download/<slug:slug>.html",
        downloads.download_html,
        name="download_html",
    ),
    path("feeds/works.atom", WorksFeed(), name="feed_works"),
    path("feeds/tags/<str:slug>.atom", WorksFeed(), name="feed_tag"),
    path("feeds/<str:token>/works.atom", WorksFeed(), name="private_feed_works"),
    path("feeds/<str:token>/tags/<str:slug>.atom", WorksFeed(), name="private_feed_tag"),
    path("opds/", opds.root, name="opds_root"),
    path("opds/latest/", opds.latest, name="opds_latest"),
    path("opds/fandoms/", opds.fandoms, name="opds_fandoms"),
    path("opds/tags/", opds.tags, name="opds_tags"),
    path("opds/tags/<str:slug>/", opds.tag_works, name="opds_tag"),
    path("opds/search/", opds.search_works, name="opds_search"),
    path("opds/opensearch.xml", opds.opensearch, name="opds_opensearch"),
    path("opds/<str:token>/", opds.root, name="opds_private_root"),
    path("opds/<str:token>/latest/", opds.latest, name="opds_private_latest"),
    path("opds/<str:token>/fandoms/", opds.fandoms, name="opds_private_fandoms"),
    path("opds/<str:token>/tags/", opds.tags, name="opds_private_tags"),
    path("opds/<str:token>/tags/<str:slug>/", opds.tag_works, name="opds_private_tag"),
    path("opds/<str:token>/search/", opds.search_works, name="opds_private_search"),
    path("opds/<str:token>/opensearch.xml", opds.opensearch, name="opds_private_opensearch"),
    path(
        "opds/<str:token>/works/<int:work_id>.epub",
        opds.work_epub,
        name="opds_private_work_epub",
    ),
]
