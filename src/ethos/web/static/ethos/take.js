// Ethos: the personal survey link is BASE_URL/take/#t=TOKEN. Browsers never send the part
// after "#" to any server, so the token stays out of every server and proxy log. This script
// moves the token into the form (it then travels only in the POST body), removes it from the
// address bar and the history, and focuses the Start button. It does not submit the form:
// the respondent chooses to start.
(function () {
  "use strict";

  function takeToken() {
    var match = /(?:^#|&)t=([^&]+)/.exec(window.location.hash || "");
    if (!match) {
      return;
    }
    var token;
    try {
      token = decodeURIComponent(match[1]);
    } catch (error) {
      token = match[1];
    }
    var field = document.getElementById("token");
    if (field) {
      field.value = token;
    }
    if (window.history && typeof window.history.replaceState === "function") {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    var start = document.getElementById("start-button");
    if (start) {
      start.focus();
    }
  }

  takeToken();
  // A link pasted into the address bar of a tab already on this page changes only the hash.
  window.addEventListener("hashchange", takeToken);
})();
