// The chapter editor: Quill (static/vendor/quill, copied from npm by make) over the chapter
// text box, which it keeps filled in so that the form posts as before; and, on the
// creator's own works, autosaving what they type. Without JavaScript the box is all there is.
(function () {
  "use strict";

  const textarea = document.querySelector("textarea[data-editor]");
  if (!textarea || !window.Quill) return;
  const Quill = window.Quill;
  const Parchment = Quill.import("parchment");
  const form = textarea.form;

  // Alignment is written as the archive's own classes (align-center, align-right,
  // align-justify), which the server's sanitiser keeps: never a style attribute.
  Quill.register(
    "formats/align",
    new Parchment.ClassAttributor("align", "align", {
      scope: Parchment.Scope.BLOCK,
      whitelist: ["right", "center", "justify"],
    }),
    true
  );
  // An imported scene break's caption (<p class="break-caption">) keeps its class.
  Quill.register(
    "formats/caption",
    new Parchment.ClassAttributor("caption", "break", {
      scope: Parchment.Scope.BLOCK,
      whitelist: ["caption"],
    }),
    true
  );
  // A horizontal rule, which readers see as a scene break.
  const BlockEmbed = Quill.import("blots/block/embed");
  class SceneBreak extends BlockEmbed {}
  SceneBreak.blotName = "rule";
  SceneBreak.tagName = "HR";
  Quill.register(SceneBreak, true);

  // Only what the archive keeps: a paste from a word processor loses its fonts, sizes,
  // colours, highlights, indents, images and tables here, before the server sees it.
  const FORMATS = [
    "bold", "italic", "underline", "strike", "script", "header", "blockquote", "list",
    "link", "rule", "align", "caption",
  ];
  // [format, value, label] in groups. Headings start at level 3: the page has the others.
  const TOOLS = [
    [["bold", null, "Bold"], ["italic", null, "Italic"], ["underline", null, "Underline"],
      ["strike", null, "Strikethrough"]],
    [["header", "3", "Heading"], ["header", "4", "Subheading"], ["blockquote", null, "Quote"]],
    [["list", "bullet", "Bulleted list"], ["list", "ordered", "Numbered list"]],
    [["link", null, "Link"], ["rule", null, "Horizontal rule (scene break)"]],
    [["align", "", "Align left"], ["align", "center", "Centre"],
      ["align", "right", "Align right"], ["align", "justify", "Justify"]],
  ];
  const RULE_ICON =
    '<svg viewBox="0 0 18 18" aria-hidden="true"><line class="ql-stroke" x1="2" x2="16" y1="9" y2="9"/></svg>';

  function toolbar() {
    const bar = document.createElement("div");
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting");
    for (const group of TOOLS) {
      const span = document.createElement("span");
      span.className = "toolbar-group";
      for (const [format, value, label] of group) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "ql-" + format;
        if (value !== null) button.value = value;
        button.setAttribute("aria-label", label);
        button.title = label;
        if (format === "rule") button.innerHTML = RULE_ICON;
        span.append(button);
      }
      bar.append(span);
    }
    return bar;
  }

  const bar = toolbar();
  const container = document.createElement("div");
  textarea.after(bar, container);
  const quill = new Quill(container, {
    theme: "snow",
    formats: FORMATS,
    modules: {
      toolbar: {
        container: bar,
        handlers: {
          rule() {
            const range = this.quill.getSelection(true);
            this.quill.insertEmbed(range.index, "rule", true, Quill.sources.USER);
            this.quill.setSelection(range.index + 1, Quill.sources.SILENT);
          },
        },
      },
      // Tab leaves the editor, as it leaves any other box: no keyboard trap.
      keyboard: {
        bindings: { tab: false, indent: false, outdent: false, "remove tab": false },
      },
    },
  });

  // The editor stands for the box: same label and help; the box itself is hidden and only
  // carries the text. The server, not the browser, says when the chapter is empty.
  const editor = quill.root;
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  if (label) {
    // The label names the editor now, not the hidden box (a label names one control).
    label.id ||= textarea.id + "-label";
    label.removeAttribute("for");
    editor.setAttribute("aria-labelledby", label.id);
    label.addEventListener("click", () => quill.focus());
  }
  editor.setAttribute("role", "textbox");
  editor.setAttribute("aria-multiline", "true");
  const describedBy = textarea.getAttribute("aria-describedby");
  if (describedBy) editor.setAttribute("aria-describedby", describedBy);
  const linkBox = quill.container.querySelector(".ql-tooltip input");
  if (linkBox) linkBox.setAttribute("aria-label", "Link address");
  textarea.hidden = true;
  textarea.required = false;

  // Text without block tags is plain text, read as the server reads it (posting.prepare_html):
  // blank lines between paragraphs, single line breaks kept.
  const BLOCK_TAG = /<\s*\/?\s*(?:p|br|h[1-6]|ul|ol|li|blockquote|hr|div|pre|table)\b/i;
  function load(value) {
    let html = value.replace(/\r\n/g, "\n").trim();
    if (html && !BLOCK_TAG.test(html)) {
      html = html
        .split(/\n\s*\n/)
        .filter((part) => part.trim())
        .map((part) => `<p>${part.trim().replace(/\n/g, "<br>")}</p>`)
        .join("");
    }
    quill.setContents(quill.clipboard.convert({ html }), Quill.sources.SILENT);
  }

  function html() {
    if (quill.getLength() <= 1) return "";
    // Quill 2.0.3 writes every space as &nbsp; here; a no-break space the creator typed is
    // a character, not an entity, so this undoes only Quill's. An empty line is an empty
    // paragraph, which a reader would not see: it goes, as blank lines do in plain text.
    return quill.getSemanticHTML().replaceAll("&nbsp;", " ").replaceAll("<p></p>", "");
  }

  load(textarea.value);
  textarea.value = html();
  quill.on("text-change", () => {
    textarea.value = html();
  });

  for (const time of document.querySelectorAll("time[data-local-time]")) {
    time.textContent = new Date(time.dateTime).toLocaleString([], {
      dateStyle: "medium",
      timeStyle: "short",
    });
  }

  const url = form.dataset.autosave;
  if (url) autosave(url);

  // Saves on its own 2 seconds after typing stops, every 30 seconds while it goes on, and
  // when the page is hidden or closed; says when it last saved, or why it could not.
  function autosave(url) {
    const status = form.querySelector("[data-autosave-status]");
    const token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    let saved = textarea.value;
    let saving = false;
    let leaving = false;
    let timer = null;

    function clock(date) {
      const two = (n) => String(n).padStart(2, "0");
      return `${two(date.getHours())}:${two(date.getMinutes())}`;
    }

    async function save({ keepalive = false } = {}) {
      const body = textarea.value;
      if (body === saved || saving || leaving) return;
      saving = true;
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRFToken": token },
          body: JSON.stringify({ body }),
          credentials: "same-origin",
          // A closing page may only send small requests; a long chapter waits for the next try.
          keepalive: keepalive && body.length < 60000,
        });
        const answer = await response.json().catch(() => ({}));
        if (response.ok) {
          saved = body;
          status.textContent = "Saved " + clock(new Date(answer.saved_at));
        } else {
          status.textContent = "Not saved: " + (answer.message || "please try again.");
        }
      } catch {
        status.textContent = "Not saved: no connection. Trying again every 30 seconds…";
      } finally {
        saving = false;
      }
      if (textarea.value !== saved && !timer) timer = setTimeout(run, 2000);
    }

    function run() {
      timer = null;
      save();
    }

    quill.on("text-change", () => {
      clearTimeout(timer);
      timer = setTimeout(run, 2000);
    });
    setInterval(save, 30000);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") save({ keepalive: true });
    });
    // Saving the chapter itself makes the draft needless (the server deletes it).
    form.addEventListener("submit", () => {
      clearTimeout(timer);
      leaving = true;
    });
  }
})();
