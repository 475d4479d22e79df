/* KSSP Platform — a small calendar for the date inputs (issue #7 point 2). Hand-written, no dependency.
 * Date fields are text inputs in dd.mm.yyyy (kssp.core.forms.DateInput, data-kssp-date); typing works
 * without this file. It adds a button beside each field that opens a month grid: arrow keys move by a
 * day or a week, Page Up/Down by a month, Enter or a click chooses, Escape closes and returns the focus.
 * Month and weekday names come from the browser's Intl in the page's language (<html lang>).
 * CSP: loaded from 'self'; no eval, no inline handler, no style attribute (classes and `hidden` only). */
(function () {
  "use strict";

  // A calendar drawn in SVG: an emoji needs a colour-emoji font that air-gapped machines do not have.
  function calendarIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var shapes = [
      ["rect", {x: "1.5", y: "3", width: "13", height: "11.5", rx: "1.5", fill: "none", stroke: "currentColor"}],
      ["path", {d: "M1.5 6.5h13M5 1.5v3M11 1.5v3", fill: "none", stroke: "currentColor"}],
      ["rect", {x: "4", y: "8.5", width: "2", height: "2", fill: "currentColor"}],
      ["rect", {x: "7", y: "8.5", width: "2", height: "2", fill: "currentColor"}],
      ["rect", {x: "10", y: "8.5", width: "2", height: "2", fill: "currentColor"}]
    ];
    shapes.forEach(function (shape) {
      var el = document.createElementNS(ns, shape[0]);
      Object.keys(shape[1]).forEach(function (name) { el.setAttribute(name, shape[1][name]); });
      svg.appendChild(el);
    });
    return svg;
  }

  var lang = document.documentElement.lang || "sq";

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function parse(text) {
    var m = /^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})/.exec(text || "");
    if (!m) {
      return null;
    }
    var d = new Date(Number(m[3]), Number(m[2]) - 1, Number(m[1]));
    return d.getMonth() === Number(m[2]) - 1 ? d : null;
  }

  function format(d) {
    return pad(d.getDate()) + "." + pad(d.getMonth() + 1) + "." + d.getFullYear();
  }

  function sameDay(a, b) {
    return a && b && a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  }

  function monthTitle(d) {
    try {
      return new Intl.DateTimeFormat(lang, { month: "long", year: "numeric" }).format(d);
    } catch (e) {
      return pad(d.getMonth() + 1) + "." + d.getFullYear();
    }
  }

  function weekdays() {
    var names = [];
    for (var i = 0; i < 7; i++) {
      var d = new Date(2024, 0, 1 + i); /* 1 January 2024 was a Monday */
      try {
        names.push(new Intl.DateTimeFormat(lang, { weekday: "short" }).format(d));
      } catch (e) {
        names.push(String(i + 1));
      }
    }
    return names;
  }

  function Picker(input) {
    this.input = input;
    this.withTime = input.getAttribute("data-kssp-date") === "datetime";
    var wrap = document.createElement("span");
    wrap.className = "kssp-date";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary kssp-date-button";
    button.setAttribute("aria-label", input.getAttribute("data-kssp-date-label") || "Calendar");
    button.setAttribute("aria-haspopup", "dialog");
    button.appendChild(calendarIcon());
    wrap.appendChild(button);
    var panel = document.createElement("div");
    panel.className = "kssp-date-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "false");
    panel.hidden = true;
    wrap.appendChild(panel);
    this.button = button;
    this.panel = panel;
    var self = this;
    button.addEventListener("click", function () {
      if (panel.hidden) {
        self.open();
      } else {
        self.close(true);
      }
    });
    panel.addEventListener("keydown", function (event) {
      self.key(event);
    });
    document.addEventListener("click", function (event) {
      if (!panel.hidden && !wrap.contains(event.target)) {
        self.close(false);
      }
    });
  }

  Picker.prototype.open = function () {
    this.active = parse(this.input.value) || new Date();
    this.panel.hidden = false;
    this.draw(true);
  };

  Picker.prototype.close = function (focusInput) {
    this.panel.hidden = true;
    if (focusInput) {
      this.input.focus();
    }
  };

  Picker.prototype.choose = function (d) {
    var time = "";
    if (this.withTime) {
      var m = /\s(\d{1,2}:\d{2})/.exec(this.input.value);
      time = " " + (m ? m[1] : "00:00");
    }
    this.input.value = format(d) + time;
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
    this.close(true);
  };

  Picker.prototype.move = function (days, months) {
    var d = new Date(this.active.getFullYear(), this.active.getMonth() + (months || 0), this.active.getDate() + (days || 0));
    this.active = d;
    this.draw(true);
  };

  Picker.prototype.key = function (event) {
    var moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [-7, 0], ArrowDown: [7, 0], PageUp: [0, -1], PageDown: [0, 1] };
    if (moves[event.key]) {
      event.preventDefault();
      this.move(moves[event.key][0], moves[event.key][1]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      this.close(true);
    }
  };

  Picker.prototype.draw = function (focus) {
    var self = this;
    var active = this.active;
    var chosen = parse(this.input.value);
    var today = new Date();
    var panel = this.panel;
    panel.replaceChildren();
    var head = document.createElement("div");
    head.className = "kssp-date-head";
    var prev = document.createElement("button");
    prev.type = "button";
    prev.className = "btn btn-sm btn-link";
    prev.setAttribute("aria-label", this.input.getAttribute("data-kssp-date-prev") || "‹");
    prev.textContent = "‹";
    prev.addEventListener("click", function () { self.move(0, -1); });
    var title = document.createElement("span");
    title.className = "kssp-date-title";
    title.setAttribute("aria-live", "polite");
    title.textContent = monthTitle(active);
    var next = document.createElement("button");
    next.type = "button";
    next.className = "btn btn-sm btn-link";
    next.setAttribute("aria-label", this.input.getAttribute("data-kssp-date-next") || "›");
    next.textContent = "›";
    next.addEventListener("click", function () { self.move(0, 1); });
    head.append(prev, title, next);
    panel.setAttribute("aria-label", monthTitle(active));
    var grid = document.createElement("table");
    grid.className = "kssp-date-grid";
    grid.setAttribute("role", "grid");
    var thead = document.createElement("tr");
    weekdays().forEach(function (name) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = name;
      thead.appendChild(th);
    });
    grid.appendChild(thead);
    var first = new Date(active.getFullYear(), active.getMonth(), 1);
    var offset = (first.getDay() + 6) % 7; /* weeks start on Monday */
    var day = new Date(first.getFullYear(), first.getMonth(), 1 - offset);
    var focusButton = null;
    for (var week = 0; week < 6; week++) {
      var tr = document.createElement("tr");
      for (var i = 0; i < 7; i++) {
        var td = document.createElement("td");
        var b = document.createElement("button");
        b.type = "button";
        b.className = "kssp-date-day";
        if (day.getMonth() !== active.getMonth()) {
          b.classList.add("kssp-date-other");
        }
        if (sameDay(day, today)) {
          b.classList.add("kssp-date-today");
        }
        if (sameDay(day, chosen)) {
          b.setAttribute("aria-pressed", "true");
        }
        b.textContent = String(day.getDate());
        b.setAttribute("aria-label", format(day));
        b.setAttribute("data-date", format(day));
        var isActive = sameDay(day, active);
        b.tabIndex = isActive ? 0 : -1;
        if (isActive) {
          focusButton = b;
        }
        b.addEventListener("click", function (event) {
          self.choose(parse(event.currentTarget.getAttribute("data-date")));
        });
        td.appendChild(b);
        tr.appendChild(td);
        day = new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1);
      }
      grid.appendChild(tr);
    }
    panel.append(head, grid);
    if (focus && focusButton) {
      focusButton.focus();
    }
  };

  function init(root) {
    root.querySelectorAll("input[data-kssp-date]").forEach(function (input) {
      if (!input.dataset.ksspDateReady) {
        input.dataset.ksspDateReady = "1";
        new Picker(input);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    init(event.target);
  });
})();
