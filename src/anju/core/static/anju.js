// Progressive enhancement only: every page works without it.
// Move focus to the error summary so screen-reader and keyboard users hear what to fix first.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
  // A kiosk is a shared terminal: warn after a quiet spell, then sign out (the server also ends the
  // sign-in after the same time, so this is a courtesy, not the safeguard).
  var signOut = document.getElementById("kiosk-sign-out");
  if (signOut) {
    var idle = parseInt(signOut.getAttribute("data-kiosk-idle"), 10) * 1000;
    var warning = document.createElement("div");
    warning.className = "notice notice-warn kiosk-warning";
    warning.setAttribute("role", "alert");
    warning.hidden = true;
    warning.textContent = "即将自动退出。如需继续，请触摸屏幕。";
    document.body.insertBefore(warning, document.body.firstChild);
    var warnTimer, outTimer;
    var restart = function () {
      warning.hidden = true;
      clearTimeout(warnTimer);
      clearTimeout(outTimer);
      warnTimer = setTimeout(function () { warning.hidden = false; }, Math.max(idle - 30000, 0));
      outTimer = setTimeout(function () { signOut.submit(); }, idle);
    };
    ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
      document.addEventListener(name, restart, { passive: true });
    });
    restart();
  }
  // Counties follow the chosen city at once (without script, saving the page narrows them instead).
  document.querySelectorAll("select[data-counties-of]").forEach(function (county) {
    var city = document.getElementById(county.getAttribute("data-counties-of"));
    var byCity = JSON.parse(county.getAttribute("data-counties") || "{}");
    if (!city) {
      return;
    }
    city.addEventListener("change", function () {
      var chosen = county.value;
      var names = byCity[city.value] || {};
      while (county.options.length > 1) {
        county.remove(1);
      }
      Object.keys(names).forEach(function (code) {
        county.add(new Option(names[code], code, false, code === chosen));
      });
    });
  });
  // A print button where the page offers one (shown only when it can work).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
});
