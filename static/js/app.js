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
})();
