/* KSSP Platform — screen lock timer (issue #3 point 11).
 * After the idle time without keyboard, pointer or touch input, submit the "Lock screen" form; while the
 * user works, tell the server at most once a minute (typing a long form is activity too). The server
 * enforces the lock on its own; this only makes the screen lock on time and keeps a typing user awake.
 * CSP: loaded from 'self'; no inline code, no eval, no style attributes. */
(function () {
  "use strict";

  var PING_EVERY_MS = 60 * 1000;

  function init() {
    var form = document.getElementById("kssp-lock-form");
    if (!form || form.dataset.ksspReady) {
      return;
    }
    form.dataset.ksspReady = "1";
    var idleMs = Math.max(5, Number(form.dataset.idleSeconds) || 900) * 1000;
    var activityUrl = form.dataset.activityUrl;
    var tokenInput = form.querySelector("input[name='csrfmiddlewaretoken']");
    var lastInput = Date.now();
    var lastPing = Date.now();
    var inputSincePing = false;
    var submitted = false;

    function ping() {
      if (!activityUrl || !tokenInput || !window.fetch) {
        return;
      }
      lastPing = Date.now();
      inputSincePing = false;
      window.fetch(activityUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": tokenInput.value },
      }).then(function (response) {
        if (response.redirected) {
          window.location.assign(response.url);
        }
      }).catch(function () {});
    }

    function onInput() {
      lastInput = Date.now();
      inputSincePing = true;
      if (Date.now() - lastPing >= PING_EVERY_MS) {
        ping();
      }
    }

    ["keydown", "pointerdown", "touchstart", "wheel", "input"].forEach(function (name) {
      document.addEventListener(name, onInput, { capture: true, passive: true });
    });

    window.setInterval(function () {
      if (submitted) {
        return;
      }
      if (Date.now() - lastInput >= idleMs) {
        submitted = true;
        var why = document.createElement("input");
        why.type = "hidden";
        why.name = "why";
        why.value = "idle";
        form.appendChild(why);
        form.submit();
      } else if (inputSincePing && Date.now() - lastPing >= PING_EVERY_MS) {
        ping();
      }
    }, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
