/* KSSP offline capture — wires a quick-capture form to the offline queue (offline-queue.js) and
 * registers the service worker (sw.js) that keeps the page available without a connection.
 *
 * A form opts in with `data-kssp-offline-form` and says:
 *   data-kssp-offline-owner   opaque tag of the signed-in user (records are never sent for another user)
 *   data-kssp-offline-sw      URL of the service worker script, served next to the page
 *   data-kssp-offline-scope   the page's URL (the worker's scope)
 *   data-kssp-offline-label   the field whose value names a record in the list
 *   data-kssp-csrf-cookie     the CSRF cookie's name
 * The translated sentences are data-msg-* / data-label-* attributes of #offline-queue.
 * Without this file (or without localStorage) the form is an ordinary form.
 * CSP: loaded from 'self'; visibility through the `hidden` attribute, never a style attribute.
 */
(function () {
  "use strict";

  var Queue = window.KsspOfflineQueue;

  function text(panel, name, values) {
    var value = panel.getAttribute("data-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      value = value.split("{" + key + "}").join(String(values[key]));
    });
    return value;
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (content) {
      node.textContent = content;
    }
    return node;
  }

  function formFields(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") {
        fields.push([name, value]);
      }
    });
    return fields;
  }

  function freshId(form) {
    var input = form.querySelector("input[name='public_id']");
    if (input) {
      input.value = Queue.newId();
    }
  }

  function restore(form, item) {
    form.reset();
    item.fields.forEach(function (pair) {
      var field = form.elements.namedItem(pair[0]);
      if (!field) {
        return;
      }
      if (field.type === "checkbox") {
        field.checked = true;
      } else {
        field.value = pair[1];
      }
    });
  }

  function registerWorker(form) {
    var script = form.getAttribute("data-kssp-offline-sw");
    var scope = form.getAttribute("data-kssp-offline-scope");
    if (!script || !("serviceWorker" in navigator)) {
      return;
    }
    var urls = [window.location.pathname];
    document.querySelectorAll("script[src], link[rel='stylesheet'][href], link[rel='icon'][href]").forEach(function (node) {
      urls.push(node.getAttribute("src") || node.getAttribute("href"));
    });
    navigator.serviceWorker.register(script, { scope: scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      if (registration.active) {
        registration.active.postMessage({ type: "kssp-cache", urls: urls });
      }
    }).catch(function () {
      /* no worker (private mode, old browser): the queue still works while the page stays open */
    });
  }

  function forgetOtherUsersPages(owner) {
    // A shared tablet: pages kept for another user are dropped (their queued records stay, unsent).
    var key = "kssp.offline.owner";
    try {
      if (window.localStorage.getItem(key) !== owner) {
        window.localStorage.setItem(key, owner);
        if (navigator.serviceWorker && navigator.serviceWorker.controller) {
          navigator.serviceWorker.controller.postMessage({ type: "kssp-forget" });
        }
      }
    } catch (e) {
      /* storage refused: nothing kept, nothing to forget */
    }
  }

  function init(form) {
    var panel = document.getElementById("offline-queue");
    if (!Queue || !panel || !Queue.available()) {
      if (panel) {
        panel.hidden = false;
        document.getElementById("offline-queue-status").textContent = text(panel, "msg-storage");
      }
      return;
    }
    var owner = form.getAttribute("data-kssp-offline-owner") || "";
    var labelField = form.getAttribute("data-kssp-offline-label") || "";
    var tokenInput = form.querySelector("input[name='csrfmiddlewaretoken']");
    var queue = new Queue({
      owner: owner,
      csrfCookie: form.getAttribute("data-kssp-csrf-cookie") || "csrftoken",
      csrfToken: tokenInput ? tokenInput.value : ""
    });
    var status = document.getElementById("offline-queue-status");
    var list = document.getElementById("offline-queue-list");
    var sent = [];
    var retryIn = {};
    panel.hidden = false;
    forgetOtherUsersPages(owner);

    function render() {
      var mine = queue.mine();
      var lines = [text(panel, navigator.onLine === false ? "msg-offline" : "msg-online")];
      lines.push(mine.length ? text(panel, "msg-count", { count: mine.length }) : text(panel, "msg-empty"));
      var others = queue.othersCount();
      if (others) {
        lines.push(text(panel, "msg-other-owner", { count: others }));
      }
      if (mine.some(function (item) { return item.state === "signin"; })) {
        lines.push(text(panel, "msg-signin"));
      }
      status.textContent = lines.join(" ");
      panel.setAttribute("data-queued", String(mine.length));

      list.replaceChildren();
      mine.forEach(function (item) {
        var li = element("li", "kssp-offline-item border-bottom py-2");
        li.setAttribute("data-state", item.state);
        li.setAttribute("data-id", item.id);
        li.appendChild(element("span", "d-block fw-semibold", item.label || item.id));
        var state = item.state === "sending" ? text(panel, "msg-sending")
          : item.state === "refused" ? text(panel, "msg-refused")
          : item.state === "signin" ? text(panel, "msg-signin")
          : retryIn[item.id] ? text(panel, "msg-retry", { seconds: retryIn[item.id] })
          : text(panel, "msg-waiting");
        li.appendChild(element("span", "d-block small kssp-offline-state", state));
        if (item.state === "refused") {
          var problems = [item.message];
          Object.keys(item.errors || {}).forEach(function (name) {
            problems = problems.concat(item.errors[name]);
          });
          li.appendChild(element("span", "d-block small text-danger", problems.filter(Boolean).join(" ")));
        }
        var actions = element("span", "d-flex gap-2 mt-1");
        if (item.state === "waiting" || item.state === "signin") {
          var send = element("button", "btn btn-sm btn-outline-primary", text(panel, "label-send"));
          send.type = "button";
          send.addEventListener("click", function () { queue.retry(item.id); });
          actions.appendChild(send);
        }
        if (item.state === "refused") {
          var edit = element("button", "btn btn-sm btn-outline-primary", text(panel, "label-edit"));
          edit.type = "button";
          edit.addEventListener("click", function () {
            restore(form, item);
            queue.remove(item.id);
            form.querySelector("input, select, textarea").focus();
          });
          actions.appendChild(edit);
          var discard = element("button", "btn btn-sm btn-outline-secondary", text(panel, "label-discard"));
          discard.type = "button";
          discard.addEventListener("click", function () { queue.remove(item.id); });
          actions.appendChild(discard);
        }
        if (actions.childNodes.length) {
          li.appendChild(actions);
        }
        list.appendChild(li);
      });
      sent.forEach(function (done) {
        var li = element("li", "kssp-offline-item border-bottom py-2");
        li.setAttribute("data-state", done.state);
        li.setAttribute("data-id", done.id);
        li.appendChild(element("span", "d-block fw-semibold", done.label));
        var line = element("span", "d-block small", done.message + " ");
        if (done.url) {
          var link = element("a", "", text(panel, "label-open"));
          link.href = done.url;
          line.appendChild(link);
        }
        li.appendChild(line);
        list.appendChild(li);
      });
    }

    queue.on(function (type, detail) {
      if (type === "sent") {
        sent.unshift({
          id: detail.id, label: detail.label, url: detail.answer.url || "", message: detail.answer.message || "",
          state: detail.answer.state === "duplicate" ? "duplicate" : "sent"
        });
        sent = sent.slice(0, 10);
      }
      if (type === "retry") {
        retryIn[detail.id] = Math.max(1, Math.round(detail.delay / 1000));
      }
      if (type === "sending") {
        delete retryIn[detail.id];
      }
      render();
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var idInput = form.querySelector("input[name='public_id']");
      if (!idInput.value || queue.get(idInput.value)) {
        idInput.value = Queue.newId();
      }
      var labelInput = labelField ? form.elements.namedItem(labelField) : null;
      queue.add({
        id: idInput.value,
        action: form.getAttribute("action") || window.location.pathname,
        fields: formFields(form),
        label: labelInput ? labelInput.value : ""
      });
      form.reset();
      freshId(form);
      render();
    });

    freshId(form);
    render();
    queue.retryAll();
    registerWorker(form);
  }

  function start() {
    document.querySelectorAll("form[data-kssp-offline-form]").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
