// Drag a post onto another day of the calendar to move it there (same local time). Plain
// HTML5 drag and drop; the post's own page has a form that does the same from the keyboard.
(function () {
  "use strict";
  var dragged = null;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest(".calendar-item.movable");
    if (!item) return;
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.id);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".day.drop-target").forEach(function (d) { d.classList.remove("drop-target"); });
  });

  document.addEventListener("dragover", function (event) {
    var day = dragged && event.target.closest && event.target.closest(".day[data-date]");
    if (!day) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    day.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var day = event.target.closest && event.target.closest(".day[data-date]");
    if (day && !day.contains(event.relatedTarget)) day.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    var day = dragged && event.target.closest && event.target.closest(".day[data-date]");
    if (!day) return;
    event.preventDefault();
    var item = dragged;
    day.querySelector("ul").append(item);  // show it there at once; the reload confirms
    var body = new URLSearchParams({ date: day.getAttribute("data-date") });
    fetch(item.getAttribute("data-move-url"), {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
      credentials: "same-origin"
    }).then(function () { window.location.reload(); });  // the message says what happened
  });
})();
