/* KSSP service worker — keeps quick-capture pages usable without a connection.
 *
 * Served next to each quick-capture page (kssp.core.offline_views.service_worker), so that its scope
 * is that page and nothing else of the site. It only ever answers GET requests:
 *   - the page itself: from the network, falling back to the last copy when there is no connection;
 *     a copy is kept only of responses marked `X-KSSP-Offline-Shell: 1` (never a sign-in page or an
 *     error), and the page posts its own URL at first load so that it is kept from the start;
 *   - the page's scripts, styles and icon: from the network, falling back to the kept copy.
 * Form submissions (POST) are not touched: offline-queue.js keeps and resends them, and the server
 * makes a resend harmless (one record per client UUID).
 * Messages from the page: {type: "kssp-cache", urls: [...]} keeps those URLs; {type: "kssp-forget"}
 * drops every kept copy (another user signed in on a shared device).
 */
/* eslint-env serviceworker */
"use strict";

var CACHE = "kssp-offline-v1";
var SHELL_HEADER = "X-KSSP-Offline-Shell";
var ASSETS = ["script", "style", "image", "font"];

function sameOrigin(url) {
  try {
    return new URL(url, self.location.href).origin === self.location.origin;
  } catch (e) {
    return false;
  }
}

function keep(cache, url, response) {
  if (response && response.ok && !response.redirected && response.type === "basic") {
    return cache.put(url, response);
  }
  return Promise.resolve();
}

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("kssp-offline-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "kssp-cache" && Array.isArray(data.urls)) {
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return Promise.all(data.urls.filter(sameOrigin).map(function (url) {
        var absolute = new URL(url, self.location.href).href;
        return fetch(absolute, { credentials: "same-origin" }).then(function (response) {
          var isPage = (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
          if (isPage && response.headers.get(SHELL_HEADER) !== "1") {
            return undefined;
          }
          return keep(cache, absolute, response);
        }).catch(function () { return undefined; });
      }));
    }));
  }
  if (data.type === "kssp-forget") {
    event.waitUntil(caches.delete(CACHE));
  }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || !sameOrigin(request.url)) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.headers.get(SHELL_HEADER) === "1") {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { return keep(cache, request.url, copy); });
        }
        return response;
      }).catch(function () {
        return caches.match(request.url, { ignoreSearch: true }).then(function (hit) {
          return hit || Response.error();
        });
      })
    );
    return;
  }
  if (ASSETS.indexOf(request.destination) !== -1) {
    event.respondWith(
      fetch(request).then(function (response) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { return keep(cache, request.url, copy); });
        return response;
      }).catch(function () {
        return caches.match(request.url).then(function (hit) { return hit || Response.error(); });
      })
    );
  }
});
