/* KSSP Platform — create forms sent twice create one record (issue #7 point 2; kssp.core.form_tokens).
 * Loaded by the staff and the public layout. CSP: from 'self', no eval, no inline code. Without this file
 * a page still works; only Back and "send" again is then not recognised as the same page. */
(function () {
  "use strict";

  /* Create forms carry a token drawn with the page (kssp.core.form_tokens). Going Back to a page that
   * was not kept (no-store) draws it again with a new token; the token first drawn for this history
   * entry is kept in its history state, so that Back and "send" again sends the same token and the
   * server answers with the record the first submission created. */
  function keepFormTokens(root) {
    var inputs = root.querySelectorAll("input[data-kssp-form-token]");
    if (!inputs.length || !window.history || !window.history.replaceState) {
      return;
    }
    var state = window.history.state || {};
    var kept = Object.assign({}, state.ksspFormTokens || {});
    var nav = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    var returning = Boolean(nav && nav.type === "back_forward");
    inputs.forEach(function (input, index) {
      var key = ((input.form && input.form.getAttribute("action")) || window.location.pathname) + "#" + index;
      if (returning && kept[key]) {
        input.value = kept[key];
      } else {
        kept[key] = input.value;
      }
    });
    window.history.replaceState(Object.assign({}, state, { ksspFormTokens: kept }), "");
  }

  document.addEventListener("DOMContentLoaded", function () {
    keepFormTokens(document);
  });
})();
