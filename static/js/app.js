// Toasts for Django messages (also those delivered to HTMX requests via HX-Trigger) and the
// collapsible sidebar on narrow screens. No build step.
(function () {
  "use strict";
  var TOAST_MS = 6000;

  function dismissLater(toast) {
    setTimeout(function () { toast.remove(); }, TOAST_MS);
  }

  function showToast(message, tags) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var toast = document.createElement("div");
    toast.className = "toast toast-" + (tags || "info");
    var text = document.createElement("span");
    text.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    toast.append(text, close);
    box.append(toast);
    dismissLater(toast);
  }

  document.addEventListener("click", function (event) {
    var close = event.target.closest(".toast-close");
    if (close) close.parentElement.remove();
    // Copy buttons: the text to copy sits in the element the button names.
    var copy = event.target.closest("[data-copy-from]");
    if (copy) {
      var source = document.getElementById(copy.getAttribute("data-copy-from"));
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.value || source.textContent).then(function () {
          copy.textContent = "Copied";
        });
      }
    }
  });

  // Sign-up forms learn the browser's time zone (a hidden field marked data-browser-zone).
  function fillBrowserZone(root) {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    (root || document).querySelectorAll("input[data-browser-zone]").forEach(function (input) {
      if (!input.value && zone) input.value = zone;
    });
  }
  fillBrowserZone(document);
  document.body.addEventListener("htmx:afterSwap", function (event) { fillBrowserZone(event.target); });

  // A submit button that says how many boxes are ticked ("Accept the 6 ticked").
  function countChecked(form) {
    var name = form.getAttribute("data-count-checked");
    var ticked = form.querySelectorAll('input[type=checkbox][name="' + name + '"]:checked').length;
    form.querySelectorAll("[data-count-label]").forEach(function (button) {
      if (!button.hasAttribute("data-label-empty")) button.setAttribute("data-label-empty", button.textContent);
      button.textContent = ticked ? button.getAttribute("data-count-label").replace("{n}", ticked)
                                  : button.getAttribute("data-label-empty");
      button.disabled = ticked === 0;
    });
  }
  document.querySelectorAll("form[data-count-checked]").forEach(countChecked);
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-count-checked]");
    if (form) countChecked(form);
  });

  // Forms that ask before they act (no inline handlers: the Content-Security-Policy forbids them).
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    var button = event.submitter && event.submitter.closest("[data-confirm-click]");
    var question = button ? button.getAttribute("data-confirm-click")
                          : form && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Keyboard shortcuts for links marked data-shortcut ("n": New post), not while typing.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    var link = document.querySelector('a[data-shortcut="' + event.key.toLowerCase() + '"]');
    if (link) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });

  document.body.addEventListener("messages", function (event) {
    (event.detail.value || []).forEach(function (m) { showToast(m.message, m.tags); });
  });

  // Let HTMX swap 4xx form responses (they carry the form with its errors and what was typed).
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 422 || status === 400 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    } else if (status >= 500 || status === 403 || status === 404) {
      showToast(status === 403 ? "Your role does not allow this." :
                status === 404 ? "That item no longer exists." :
                "Something went wrong on our side. Please try again.", "error");
    }
  });

  document.querySelectorAll(".toast").forEach(dismissLater);

  // Sliders say their value next to them (an <output> after the input).
  document.querySelectorAll("input[type=range][data-shows-value]").forEach(function (input) {
    var output = document.createElement("output");
    output.className = "range-value";
    output.setAttribute("for", input.id);
    output.textContent = input.value;
    input.after(output);
    input.addEventListener("input", function () { output.textContent = input.value; });
  });

  // "Continue to <platform>" pages go on by themselves (a link the creator can also press).
  var follow = document.querySelector("a[data-follow]");
  if (follow) window.location.assign(follow.href);

  // The installable app: a service worker that keeps the static assets and an offline page.
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* the site works without */ });
  }

  // On phones the sidebar starts collapsed; on wide screens it is always open.
  var sidebar = document.getElementById("sidebar");
  if (sidebar) {
    var narrow = window.matchMedia("(max-width: 760px)");
    var sync = function () { sidebar.open = !narrow.matches; };
    sync();
    narrow.addEventListener("change", sync);
    sidebar.querySelector("summary").addEventListener("click", function (event) {
      if (!narrow.matches) event.preventDefault();
    });
  }
})();
