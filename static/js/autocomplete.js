// Suggest tag names while a reader types in a tag box. Without this script the boxes still
// take typed names; this only fills the shared <datalist> with matches from the archive.
(function () {
  "use strict";
  const inputs = document.querySelectorAll("input[data-autocomplete]");
  let timer = null;

  function suggest(input) {
    const list = document.getElementById(input.getAttribute("list"));
    // Only the part after the last comma is being typed.
    const typed = input.value.split(",").pop().trim();
    if (!list || typed.length < 2) return;
    // The address may carry a kind already (?kind=fandom), so the query is added to it.
    const url = new URL(input.dataset.autocomplete, window.location.href);
    url.searchParams.set("q", typed);
    fetch(url, { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : { tags: [] }))
      .then((data) => {
        const before = input.value.includes(",")
          ? input.value.slice(0, input.value.lastIndexOf(",") + 1) + " "
          : "";
        list.replaceChildren(
          ...data.tags.map((tag) => {
            const option = document.createElement("option");
            option.value = before + tag.name;
            option.label = tag.kind;
            return option;
          })
        );
      })
      .catch(() => {});
  }

  inputs.forEach((input) => {
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => suggest(input), 150);
    });
  });
})();
