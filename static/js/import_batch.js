// Follow an import batch without reloading the page: poll its JSON and show each file's
// result as it comes. Without this script the page reloads itself (a <noscript> refresh).
(function () {
  "use strict";

  var POLL_MS = 2000;
  var box = document.querySelector(".import-batch[data-progress-url]");
  if (!box || box.dataset.finished === "true") {
    return;
  }
  var bar = box.querySelector("progress");
  var count = box.querySelector("[data-batch-count]");
  var state = box.querySelector("[data-batch-state]");

  function showFile(file) {
    var item = document.getElementById("import-file-" + file.id);
    if (!item || item.dataset.status === file.status) {
      return;
    }
    item.dataset.status = file.status;
    var result = item.querySelector("[data-file-result]");
    result.textContent = "";
    if (file.url) {
      var link = document.createElement("a");
      link.href = file.url;
      link.textContent = file.result;
      result.appendChild(link);
    } else {
      result.textContent = file.result;
    }
  }

  function show(progress) {
    bar.max = progress.total;
    bar.value = progress.done;
    bar.textContent = progress.done + " of " + progress.total;
    count.textContent = progress.done + " of " + progress.total;
    progress.files.forEach(showFile);
    if (progress.finished) {
      state.textContent = "Every file is done. Check each draft before you post it.";
    }
  }

  function poll() {
    fetch(box.dataset.progressUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (progress) {
        show(progress);
        if (!progress.finished) {
          window.setTimeout(poll, POLL_MS);
        }
      })
      .catch(function () {
        // A server away for a moment: try again later; the Refresh link still works.
        window.setTimeout(poll, POLL_MS * 5);
      });
  }

  window.setTimeout(poll, POLL_MS);
})();
