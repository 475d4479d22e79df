/* Attachments panel: refuse a file past the size limit in the browser, before it is sent.
 * The server refuses it anyway, before reading the body; this only spares the wait.
 * CSP: loaded from 'self'; listeners are delegated on the document, so they survive htmx swaps. */
(function () {
  "use strict";

  function tooLarge(input) {
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var file = input.files && input.files[0];
    return Boolean(file && limit && file.size > limit);
  }

  function showError(input, on) {
    var box = input.parentNode.querySelector("[data-kssp-size-error]");
    if (!box) {
      box = document.createElement("div");
      box.className = "invalid-feedback d-block";
      box.setAttribute("data-kssp-size-error", "");
      input.parentNode.appendChild(box);
    }
    box.textContent = on ? input.getAttribute("data-too-large") : "";
    box.hidden = !on;
    if (on) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
  }

  function check(form) {
    var input = form.querySelector("input[type='file'][data-max-bytes]");
    if (!input) {
      return true;
    }
    var bad = tooLarge(input);
    showError(input, bad);
    if (bad) {
      input.focus();
    }
    return !bad;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.matches && input.matches("input[type='file'][data-max-bytes]")) {
      showError(input, tooLarge(input));
    }
  });

  /* A plain submit, and an htmx one (htmx:beforeRequest is cancellable). */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.matches && form.matches("form[data-kssp-upload]") && !check(form)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (form && form.matches && form.matches("form[data-kssp-upload]") && !check(form)) {
      event.preventDefault();
    }
  });
})();
