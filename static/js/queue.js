// The queue: drag a post onto another to swap their times, or onto an empty slot to move it
// there. Plain HTML5 drag and drop; the ↑/↓ buttons do the same without a mouse.
(function () {
  "use strict";
  var dragged = null;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  function dropTarget(event) {
    var row = event.target.closest && event.target.closest(".queue-post[data-publication], .queue-slot[data-at]");
    return row && row !== dragged ? row : null;
  }

  document.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest(".queue-post[draggable]");
    if (!row) return;
    dragged = row;
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.id);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".drop-target").forEach(function (r) { r.classList.remove("drop-target"); });
  });

  document.addEventListener("dragover", function (event) {
    var row = dragged && dropTarget(event);
    if (!row) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    row.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var row = dropTarget(event);
    if (row && !row.contains(event.relatedTarget)) row.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    var row = dragged && dropTarget(event);
    if (!row) return;
    event.preventDefault();
    var body = row.hasAttribute("data-at") ? { at: row.getAttribute("data-at") }
                                           : { with: row.getAttribute("data-publication") };
    fetch(dragged.getAttribute("data-reorder-url"), {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(body),
      credentials: "same-origin",
      redirect: "manual"  // the reload, not the fetch, shows the page and its message
    }).then(function () { window.location.reload(); });
  });
})();
