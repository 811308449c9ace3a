// The composer: nothing typed is lost. Every pause in typing sends the form (htmx, which also
// redraws the live panel). Until the server has answered for the latest keystroke, the form is
// also kept in this browser (localStorage): a reload, Back or a closed tab mid-sentence finds
// it there and sends it again. When the tab is hidden or closed, the browser's beacon (which
// outlives the page) sends it too.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form) return;
  var main = form.querySelector("[data-main-text]");
  var key = "composer-draft-" + form.getAttribute("data-draft");
  var edits = 0, sent = 0;

  function fields() {
    var kept = {};
    form.querySelectorAll("textarea[name], input[name], select[name]").forEach(function (field) {
      if (field.type === "hidden" || field.type === "file" || field.type === "submit") return;
      var id = field.type === "checkbox" ? field.name + "=" + field.value : field.name;
      kept[id] = field.type === "checkbox" ? field.checked : field.value;
    });
    return kept;
  }

  function restore(kept) {
    form.querySelectorAll("textarea[name], input[name], select[name]").forEach(function (field) {
      var id = field.type === "checkbox" ? field.name + "=" + field.value : field.name;
      if (!(id in kept)) return;
      if (field.type === "checkbox") field.checked = kept[id];
      else field.value = kept[id];
    });
  }

  function keep() {
    try { localStorage.setItem(key, JSON.stringify(fields())); } catch (e) { /* full or off */ }
  }
  function forget() {
    try { localStorage.removeItem(key); } catch (e) { /* off */ }
  }

  function changed(field) {
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // What this browser typed that the server may not have: put it back and send it.
  var unsent = null;
  try { unsent = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { unsent = null; }
  if (unsent && form.querySelector("fieldset:not([disabled])")) {
    restore(unsent);
    edits += 1;
    // Sent once htmx listens (it starts on DOMContentLoaded, before this listener).
    document.addEventListener("DOMContentLoaded", function () { if (main) changed(main); });
  }

  form.addEventListener("input", function () { edits += 1; keep(); });
  form.addEventListener("change", function () { edits += 1; keep(); });
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt === form) sent = edits;
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt === form && event.detail.successful && sent === edits) forget();
  });
  form.addEventListener("submit", forget);

  function flush() {
    if (edits === sent || !navigator.sendBeacon) return;
    if (navigator.sendBeacon(form.getAttribute("data-autosave"), new FormData(form))) sent = edits;
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush();
  });
  window.addEventListener("pagehide", flush);

  form.addEventListener("click", function (event) {
    // "+ Part": a part separator where the cursor is.
    if (event.target.closest("[data-add-part]") && main) {
      var at = main.selectionEnd != null ? main.selectionEnd : main.value.length;
      var before = main.value.slice(0, at).replace(/\s+$/, "");
      var after = main.value.slice(at).replace(/^\s+/, "");
      main.value = before + "\n\n---\n\n" + after;
      var cursor = before.length + 7;
      main.focus();
      main.setSelectionRange(cursor, cursor);
      changed(main);
    }
    // "Start from your post": the account's version begins as a copy of the post.
    var copy = event.target.closest("[data-copy-main-to]");
    if (copy && main) {
      var version = document.getElementById(copy.getAttribute("data-copy-main-to"));
      version.value = main.value;
      version.focus();
      changed(version);
    }
    var clear = event.target.closest("[data-clear]");
    if (clear) {
      var field = document.getElementById(clear.getAttribute("data-clear"));
      field.value = "";
      changed(field);
    }
  });
})();
