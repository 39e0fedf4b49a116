// Remember the paragraph a reader has reached, so "Continue reading" can bring them back
// to it. Without this script the server still records the chapter on every visit; with
// it, the place is reported a moment after the reader stops scrolling, and once more as
// they leave the page.
(function () {
  "use strict";

  // Paragraph ids are "c{chapter position}-p{paragraph number}" (see number_paragraphs).
  var ID = /^c(\d+)-p(\d+)$/;
  var paragraphs = Array.prototype.filter.call(
    document.querySelectorAll(".userstuff p[id]"),
    function (p) {
      return ID.test(p.id);
    }
  );

  // Arriving at a paragraph: bring it to the top again once the page has its final layout
  // (the browser's own jump can land short while the reading styles settle).
  function arrive() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && ID.test(target.id)) {
      target.scrollIntoView({ block: "start" });
    }
  }
  if (document.readyState === "complete") {
    arrive();
  } else {
    window.addEventListener("load", arrive, { once: true });
  }

  var form = document.getElementById("reading-place");
  if (!form || paragraphs.length === 0) {
    return; // a guest, or history is switched off: nothing is recorded
  }

  var sent = null;
  var pending = null;
  var timer = null;

  // The paragraph being read is the first one still showing at the top of the window, so
  // that returning to it (scrolled to the top) records that same paragraph again. None
  // while the reader is still above the story (the header, the work's notes).
  function reached() {
    for (var i = 0; i < paragraphs.length; i++) {
      var box = paragraphs[i].getBoundingClientRect();
      if (box.bottom > 0) {
        return i === 0 && box.top > window.innerHeight * 0.15 ? null : paragraphs[i].id;
      }
    }
    return paragraphs[paragraphs.length - 1].id; // past the story: the end notes
  }

  function send(useBeacon) {
    clearTimeout(timer);
    timer = null;
    if (!pending || pending === sent) {
      return;
    }
    var parts = ID.exec(pending);
    var data = new FormData(form);
    data.append("chapter", parts[1]);
    data.append("paragraph", parts[2]);
    // The work page keeps a place saved further on: the server needs to know it is that page.
    data.append("page", location.pathname);
    sent = pending;
    if (useBeacon && navigator.sendBeacon && navigator.sendBeacon(form.action, data)) {
      return;
    }
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      keepalive: true,
    }).catch(function () {
      sent = null; // try again with the next scroll
    });
  }

  window.addEventListener(
    "scroll",
    function () {
      var id = reached();
      if (!id) {
        return;
      }
      pending = id;
      clearTimeout(timer);
      timer = setTimeout(send, 1000);
    },
    { passive: true }
  );

  // Leaving (a link, closing the tab, switching apps): send what is not sent yet.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      send(true);
    }
  });
  window.addEventListener("pagehide", function () {
    send(true);
  });
})();
