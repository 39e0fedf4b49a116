// Leave kudos without leaving the page. The form still works without this script: the
// server answers a plain POST with a redirect, and this script's fetch with JSON.
(function () {
  "use strict";

  function show(form, answer) {
    var box = form.closest(".kudos");
    var status = box.querySelector("[data-kudos-status]");
    var givers = box.querySelector("[data-kudos-givers]");
    status.textContent = answer.message;
    if (typeof answer.kudos_count === "number") {
      document.querySelectorAll("[data-kudos-count]").forEach(function (count) {
        count.textContent = answer.kudos_count.toLocaleString("en-US");
      });
    }
    if (typeof answer.givers === "string") {
      givers.textContent = answer.givers;
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-kudos-form]");
    if (!form) {
      return;
    }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          show(form, answer);
          if (!response.ok) {
            button.disabled = false;
            return;
          }
          // Kudos are left once, so the button has done its job, new or not.
          var done = document.createElement("p");
          done.className = "kudos-left";
          done.textContent = "You left kudos on this work.";
          form.replaceWith(done);
        });
      })
      .catch(function () {
        // Anything unexpected: let the browser send the form the ordinary way.
        button.disabled = false;
        form.submit();
      });
  });
})();
