/* KSSP offline queue — form submissions that wait on the device until the server has answered.
 *
 * Our own code (no library, no CDN). CSP: loaded from 'self'; no eval, no inline anything.
 *
 * Each queued item is one record: { id, action, fields, owner, label, queuedAt, attempts, nextAt,
 * state, message, errors }. `id` is the record's client-generated UUID (the form's `public_id`); the
 * server creates at most one record per id (kssp.core.offline), so sending an item again after a lost
 * answer is always safe. Items live in localStorage (they survive a reload or a closed tab) and leave
 * it when the server has answered 201 (created) or 200 (already received). The CSRF token is never
 * stored: it is read from the cookie when an item is sent.
 *
 * States: "waiting" (to send, at nextAt), "sending", "refused" (the server said no: 400/409; kept
 * for the user to correct or discard), "signin" (the session ended or the screen is locked).
 * Retries back off exponentially with jitter (base 1 s, at most 60 s); going online retries at once.
 */
(function (global) {
  "use strict";

  var STORE_KEY = "kssp.offline.queue.v1";

  function now() {
    return Date.now();
  }

  function newId() {
    if (global.crypto && typeof global.crypto.randomUUID === "function") {
      return global.crypto.randomUUID();
    }
    // RFC 4122 version 4 from getRandomValues (older browsers, non-secure contexts).
    var bytes = new Uint8Array(16);
    global.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function storageWorks() {
    try {
      var probe = STORE_KEY + ".probe";
      global.localStorage.setItem(probe, "1");
      global.localStorage.removeItem(probe);
      return true;
    } catch (e) {
      return false;
    }
  }

  function readCookie(name) {
    if (!name || typeof document === "undefined") {
      return "";
    }
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i += 1) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) {
        return decodeURIComponent(parts[i].slice(eq + 1));
      }
    }
    return "";
  }

  function Queue(options) {
    options = options || {};
    this.owner = options.owner || "";
    this.csrfCookie = options.csrfCookie || "csrftoken";
    this.csrfFallback = options.csrfToken || "";
    this.baseDelay = options.baseDelay || 1000;
    this.maxDelay = options.maxDelay || 60000;
    this.listeners = [];
    this.timer = null;
    this.flushing = null;
    var self = this;
    global.addEventListener("online", function () {
      self.retryAll();
    });
    global.addEventListener("offline", function () {
      self.emit("network", null);
    });
    global.addEventListener("storage", function (event) {
      if (event.key === STORE_KEY) {
        self.emit("change", null);
      }
    });
  }

  Queue.newId = newId;
  Queue.available = storageWorks;

  Queue.prototype.load = function () {
    try {
      var items = JSON.parse(global.localStorage.getItem(STORE_KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  };

  Queue.prototype.save = function (items) {
    global.localStorage.setItem(STORE_KEY, JSON.stringify(items));
    this.emit("change", null);
  };

  Queue.prototype.on = function (listener) {
    this.listeners.push(listener);
  };

  Queue.prototype.emit = function (type, detail) {
    this.listeners.forEach(function (listener) {
      try {
        listener(type, detail);
      } catch (e) {
        /* a broken listener must not stop the queue */
      }
    });
  };

  /* The items of the signed-in user, and how many other users' items wait on this device. */
  Queue.prototype.mine = function () {
    var owner = this.owner;
    return this.load().filter(function (item) { return item.owner === owner; });
  };

  Queue.prototype.othersCount = function () {
    var owner = this.owner;
    return this.load().filter(function (item) { return item.owner !== owner; }).length;
  };

  Queue.prototype.get = function (id) {
    return this.load().filter(function (item) { return item.id === id; })[0] || null;
  };

  Queue.prototype.update = function (id, changes) {
    var items = this.load();
    items.forEach(function (item) {
      if (item.id === id) {
        Object.keys(changes).forEach(function (key) { item[key] = changes[key]; });
      }
    });
    this.save(items);
  };

  Queue.prototype.remove = function (id) {
    this.save(this.load().filter(function (item) { return item.id !== id; }));
  };

  /* Queue one record. An id already queued is not queued twice (one record per UUID). */
  Queue.prototype.add = function (record) {
    var items = this.load();
    if (items.some(function (item) { return item.id === record.id; })) {
      return false;
    }
    items.push({
      id: record.id,
      action: record.action,
      fields: record.fields,
      owner: this.owner,
      label: record.label || "",
      queuedAt: now(),
      attempts: 0,
      nextAt: 0,
      state: "waiting",
      message: "",
      errors: {}
    });
    this.save(items);
    this.flush();
    return true;
  };

  Queue.prototype.retryAll = function () {
    var items = this.load();
    var owner = this.owner;
    items.forEach(function (item) {
      if (item.owner === owner && (item.state === "waiting" || item.state === "signin" || item.state === "sending")) {
        item.state = "waiting";
        item.nextAt = 0;
      }
    });
    this.save(items);
    this.emit("network", null);
    return this.flush();
  };

  Queue.prototype.retry = function (id) {
    this.update(id, { state: "waiting", nextAt: 0 });
    return this.flush();
  };

  Queue.prototype.delayFor = function (attempts) {
    var delay = Math.min(this.baseDelay * Math.pow(2, Math.max(0, attempts - 1)), this.maxDelay);
    return Math.round(delay * (0.75 + Math.random() * 0.5));
  };

  Queue.prototype.schedule = function () {
    var self = this;
    if (this.timer) {
      global.clearTimeout(this.timer);
      this.timer = null;
    }
    if (global.navigator && global.navigator.onLine === false) {
      return; // the "online" event starts the next round
    }
    var next = null;
    this.mine().forEach(function (item) {
      if (item.state === "waiting" && (next === null || item.nextAt < next)) {
        next = item.nextAt;
      }
    });
    if (next === null) {
      return;
    }
    this.timer = global.setTimeout(function () {
      self.timer = null;
      self.flush();
    }, Math.max(0, next - now()));
  };

  /* Send every due item of this user, one after the other. Resolves when the round is over. */
  Queue.prototype.flush = function () {
    var self = this;
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = new Promise(function (resolve) {
      function step() {
        var due = self.mine().filter(function (item) { return item.state === "waiting" && item.nextAt <= now(); });
        if (!due.length || (global.navigator && global.navigator.onLine === false)) {
          resolve();
          return;
        }
        self.send(due[0]).then(function (keepGoing) {
          if (keepGoing) {
            step();
          } else {
            resolve();
          }
        });
      }
      step();
    }).then(function () {
      self.flushing = null;
      self.schedule();
      if (self.again) {
        self.again = false;
        return self.flush();
      }
      return undefined;
    });
    return this.flushing;
  };

  Queue.prototype.token = function () {
    return readCookie(this.csrfCookie) || this.csrfFallback;
  };

  Queue.prototype.later = function (item, retryAfterSeconds) {
    var attempts = (item.attempts || 0) + 1;
    var delay = retryAfterSeconds ? retryAfterSeconds * 1000 : this.delayFor(attempts);
    this.update(item.id, { state: "waiting", attempts: attempts, nextAt: now() + delay });
    this.emit("retry", { id: item.id, delay: delay });
  };

  /* One attempt. Resolves true to go on with the next item, false to stop this round. */
  Queue.prototype.send = function (item) {
    var self = this;
    this.update(item.id, { state: "sending" });
    this.emit("sending", { id: item.id });
    var body = new URLSearchParams();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    return global.fetch(item.action, {
      method: "POST",
      credentials: "same-origin",
      redirect: "follow",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
        "X-CSRFToken": this.token(),
        "X-Requested-With": "kssp-offline-queue"
      },
      body: body.toString()
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        // Not the form's answer: the sign-in page, the lock screen, a CSRF refusal, a proxy error.
        if (response.status >= 500 || response.status === 429) {
          self.later(item, Number(response.headers.get("Retry-After")) || 0);
          return false;
        }
        self.update(item.id, { state: "signin" });
        self.emit("signin", { id: item.id });
        return false;
      }
      return response.json().then(function (answer) {
        if (response.status === 201 || response.status === 200) {
          self.remove(item.id);
          self.emit("sent", { id: item.id, label: item.label, answer: answer, status: response.status });
          return true;
        }
        if (response.status === 400 || response.status === 409) {
          self.update(item.id, { state: "refused", message: answer.message || "", errors: answer.fields || {} });
          self.emit("refused", { id: item.id, answer: answer });
          return true;
        }
        if (response.status === 401 || response.status === 403) {
          self.update(item.id, { state: "signin", message: answer.message || "" });
          self.emit("signin", { id: item.id });
          return false;
        }
        self.later(item, Number(response.headers.get("Retry-After")) || 0);
        return false;
      });
    }).catch(function () {
      // No connection (or the answer was lost on the way): try again later; the id makes it safe.
      self.later(item, 0);
      return false;
    });
  };

  global.KsspOfflineQueue = Queue;
}(typeof self !== "undefined" ? self : this));
