// The live connection of a signed-in page: one WebSocket per page (the body's data-ws: a
// collab's socket on its pages, collabs/frame.html; the person's own elsewhere), for the chat,
// the sidebar's tabs, the header and the list of collabs (rail.js) alike.
//
//   collabLive.on("message", fn)  every frame, parsed ({type: ...})
//   collabLive.on("open", fn)     each (re)connect, e.g. to ask for what was missed
//   collabLive.send(object)       false when not connected (the caller falls back to a form)
//   collabLive.isOpen()
//
// Every frame is also dispatched on the document as a "collab:event" CustomEvent (detail: the
// frame), for scripts that only listen. Heartbeat, reconnect with backoff, and a reload when
// access is revoked (close code 4403: the server then answers "not found").
(function () {
  "use strict";
  var root = document.body;
  var listeners = { message: [], open: [] };
  var api = {
    on: function (kind, fn) { (listeners[kind] = listeners[kind] || []).push(fn); },
    send: function (frame) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    isOpen: function () { return !!ws && ws.readyState === WebSocket.OPEN; },
  };
  window.collabLive = api;
  if (!root || !root.dataset.ws || !window.WebSocket) return;

  var ws = null;
  var retry = 0;
  var revoked = false;
  var connBox = null;

  function state(text) {
    connBox = connBox || document.getElementById("conn-state");
    if (connBox) connBox.textContent = text || "";
  }

  function emit(kind, value) {
    (listeners[kind] || []).forEach(function (fn) { fn(value); });
  }

  // Heartbeat: a connection that died silently (a network change) is noticed within ~35 s.
  var heartbeat = null;
  var lastPong = 0;
  function startHeartbeat() {
    clearInterval(heartbeat);
    lastPong = Date.now();
    heartbeat = setInterval(function () {
      if (!ws || ws.readyState !== WebSocket.OPEN) return;
      if (Date.now() - lastPong > 35000) {
        ws.close();
        return;
      }
      ws.send(JSON.stringify({ type: "ping" }));
    }, 25000);
  }

  function swap(change) {
    var old = document.getElementById(change.id);
    if (!old) return;
    var template = document.createElement("template");
    template.innerHTML = change.html;
    var fresh = template.content.firstElementChild;
    if (fresh) old.replaceWith(fresh);
  }

  function onFrame(event) {
    lastPong = Date.now(); // any frame shows the connection is alive
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    // A frame may bring an element's new look: {"swap": {"id": ..., "html": ...}} (a
    // server-rendered partial, e.g. the chat's "N pinned").
    if (data && data.swap && data.swap.id) swap(data.swap);
    emit("message", data);
    document.dispatchEvent(new CustomEvent("collab:event", { detail: data }));
  }

  // The wait before the next try: doubling from half a second up to half a minute, each
  // drawn at random from its upper half, so that the pages a restarted or overloaded server
  // dropped all at once come back spread out, not in waves that drop them again.
  function backoff(n) {
    var ceiling = Math.min(30000, 500 * Math.pow(2, n));
    return ceiling / 2 + Math.random() * ceiling / 2;
  }

  function connect() {
    if (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + window.location.host + root.dataset.ws);
    ws.onopen = function () {
      retry = 0;
      clearTimeout(offlineTimer);
      offlineTimer = null;
      state("");
      startHeartbeat();
      emit("open");
    };
    ws.onmessage = onFrame;
    ws.onclose = function (event) {
      clearInterval(heartbeat);
      if (leaving) return; // the page is going away (a link, a reload): no "Reconnecting…"
      // Said only when the connection stays away a moment: a quick reconnect is not news.
      if (!offlineTimer) {
        offlineTimer = setTimeout(function () { state(root.dataset.offlineLabel); }, 1500);
      }
      if (event.code === 4403) {
        revoked = true;
        window.location.reload();
        return;
      }
      setTimeout(connect, backoff(retry++));
    };
  }

  var leaving = false;
  var offlineTimer = null;
  window.addEventListener("pagehide", function () { leaving = true; });
  // Back from the back-forward cache: the page lives again.
  window.addEventListener("pageshow", function (event) {
    leaving = false;
    if (event.persisted) connect();
  });

  // Back online: reconnect now rather than at the next backoff step.
  window.addEventListener("online", function () {
    if (!revoked && (!ws || ws.readyState === WebSocket.CLOSED)) {
      retry = 0;
      connect();
    }
  });

  // The other scripts of the page (deferred, after this one) register their listeners first.
  document.addEventListener("DOMContentLoaded", connect);
})();
