// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Guess the time zone on sign-up from the browser, if the person has not picked one.
  function guessTimeZone() {
    var select = document.querySelector("select[name=time_zone][data-guess-time-zone]");
    if (!select || select.dataset.touched) return;
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone && select.querySelector('option[value="' + zone + '"]')) select.value = zone;
    } catch (e) { /* old browser: keep the default */ }
  }

  // "Copy link" buttons for invite and calendar URLs.
  function wireCopyButtons(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (button.dataset.wired) return;
      button.dataset.wired = "1";
      button.addEventListener("click", function () {
        var input = document.getElementById(button.dataset.copyTarget);
        if (!input) return;
        var done = function () { button.textContent = "Copied"; };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
        } else {
          input.select();
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    guessTimeZone();
    wireCopyButtons(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) { wireCopyButtons(event.target); });

  // htmx swaps nothing on an error answer or a lost connection; without this the button would
  // just seem dead. Say what happened where the page's other messages go.
  function explainFailure(status) {
    if (!status) return "We could not reach Walk-Run Coach. Check your connection and try again; nothing was sent.";
    if (status === 403) return "That is not allowed any more: you may have been logged out. Reload the page and try again.";
    if (status === 404) return "That is no longer here. Reload the page to see what changed.";
    if (status === 409) return "That changed in the meantime. Reload the page to see where things stand.";
    if (status === 429) return "Too many tries in a row. Wait a few minutes, then try again.";
    if (status >= 500) return "We could not save that. Nothing was changed. Please try again in a moment.";
    return "That could not be done. Reload the page and try again.";
  }
  function showFailure(status) {
    var box = document.getElementById("messages");
    if (!box) return;
    var note = document.createElement("article");
    note.className = "message message-error";
    note.setAttribute("role", "alert");
    note.textContent = explainFailure(status);
    box.replaceChildren(note);
    box.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("htmx:responseError", function (event) { showFailure(event.detail.xhr.status); });
  document.addEventListener("htmx:sendError", function () { showFailure(0); });
})();
