/* KSSP Platform — small progressive enhancements. Every page works without this file.
 * CSP: loaded from 'self'; no eval, no inline handlers, no style attributes (visibility is toggled
 * with the `hidden` attribute). htmx is configured by <meta name="htmx-config"> in base.html. */
(function () {
  "use strict";

  /* Share form: show only the grantee field that matches the chosen grantee type. */
  function syncGrantee(form) {
    var checked = form.querySelector("input[name='grantee_type']:checked");
    var type = checked ? checked.value : "institution";
    form.querySelectorAll("[data-grantee]").forEach(function (box) {
      box.hidden = box.getAttribute("data-grantee") !== type;
    });
  }

  function initShareForms(root) {
    root.querySelectorAll(".kssp-share-form").forEach(function (form) {
      if (form.dataset.ksspReady) {
        return;
      }
      form.dataset.ksspReady = "1";
      form.addEventListener("change", function (event) {
        if (event.target && event.target.name === "grantee_type") {
          syncGrantee(form);
        }
      });
      syncGrantee(form);
    });
  }

  /* After a refused submit, put the keyboard focus on the first field in error. */
  function focusFirstError(root) {
    var invalid = root.querySelector("[aria-invalid='true']");
    if (invalid && typeof invalid.focus === "function") {
      var details = invalid.closest("details");
      if (details) {
        details.open = true;
      }
      invalid.focus();
    }
  }

  /* An htmx request the server refused (403, 404, 5xx) swaps nothing; say so instead of staying silent.
   * The sentence comes translated from the server (data-kssp-htmx-error on <body>). */
  function showRequestError() {
    var box = document.querySelector(".kssp-messages-live");
    var text = document.body.getAttribute("data-kssp-htmx-error");
    if (!box || !text) {
      return;
    }
    var alert = document.createElement("div");
    alert.className = "alert alert-danger py-2";
    alert.textContent = text;
    box.replaceChildren(alert);
  }

  document.addEventListener("htmx:responseError", showRequestError);
  document.addEventListener("htmx:sendError", showRequestError);

  /* A session that expired mid-page: htmx followed the redirect to the sign-in page; load it whole
   * rather than swapping a sign-in form into a table. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.responseURL && xhr.responseURL.indexOf("/accounts/login/") !== -1) {
      event.detail.shouldSwap = false;
      window.location.assign(xhr.responseURL);
    }
  });

  /* A text's limit is shown beside it (kssp.core.forms TEXT_MAX, #7 point 2); count as the person types. */
  function initCounters(root) {
    root.querySelectorAll("[data-kssp-count-for]").forEach(function (box) {
      var field = document.getElementById(box.getAttribute("data-kssp-count-for"));
      if (!field || field.dataset.ksspCounted) {
        return;
      }
      field.dataset.ksspCounted = "1";
      var max = field.getAttribute("maxlength");
      var update = function () {
        box.textContent = field.value.length + " / " + max;
      };
      field.addEventListener("input", update);
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initCounters(document);
    initShareForms(document);
    focusFirstError(document);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    initCounters(event.target);
    initShareForms(event.target);
    focusFirstError(event.target);
  });
})();
