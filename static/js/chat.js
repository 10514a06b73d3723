// The live chat of a collab page: the same partials the page renders, over the page's one
// WebSocket (live.js). Without this script the page still works: forms POST, the server
// redirects, the page reloads.
(function () {
  "use strict";
  var root = document.getElementById("chat");
  var live = window.collabLive;
  if (!root || !live || !window.WebSocket) return;

  var log = document.getElementById("chat-log");
  var form = document.getElementById("composer");
  var textarea = document.getElementById("composer-body");
  var errorBox = document.getElementById("composer-error");
  var typingBox = document.getElementById("typing");
  var seenBox = document.getElementById("seen-by");
  var me = Number(root.dataset.user);
  var atLatest = root.dataset.atLatest === "1";
  var baseTitle = document.title;
  var seen = {};
  // Everything that changed after the page was rendered comes with the catch-up.
  var since = root.dataset.renderedAt || null;
  var unseen = 0;
  var readSent = Number(root.dataset.lastRead || 0);
  var lastTyping = 0;
  var typingTimer = null;
  var pending = {};

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      return "";
    }
  }

  function messages() {
    return log.querySelectorAll("[data-id]");
  }

  function lastId() {
    var all = messages();
    return all.length ? Number(all[all.length - 1].dataset.id) : 0;
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function toBottom() {
    log.scrollTop = log.scrollHeight;
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    // Only the forms' own hidden inputs get the token (never text or links in a message).
    template.content
      .querySelectorAll('input[type="hidden"][name="csrfmiddlewaretoken"][value="__csrf__"]')
      .forEach(function (input) {
        input.value = csrfToken();
      });
    return template.content.firstElementChild;
  }

  function setTitle() {
    document.title = unseen ? "(" + unseen + ") " + baseTitle : baseTitle;
  }

  // Reading: the newest message counts as seen when the page is visible and at the bottom.
  function markRead() {
    if (!atLatest || document.hidden || !nearBottom()) return;
    var id = lastId();
    unseen = 0;
    setTitle();
    if (id > readSent) sendRead();
  }

  // At most one read report a second (the server marks no more often): the newest id goes
  // when the second is over.
  var readTimer = null;
  var readAt = 0;
  function sendRead() {
    if (readTimer) return;
    readTimer = setTimeout(function () {
      readTimer = null;
      var id = lastId();
      if (id > readSent && live.send({ type: "read", last_id: id })) {
        readSent = id;
        readAt = Date.now();
      }
    }, Math.max(0, readAt + 1000 - Date.now()));
  }

  function renderSeen() {
    if (!seenBox) return;
    var id = lastId();
    var names = Object.keys(seen)
      .filter(function (uid) { return Number(uid) !== me && seen[uid].last >= id; })
      .map(function (uid) { return seen[uid].name; });
    seenBox.textContent = names.length ? root.dataset.seenLabel + ": " + names.join(", ") : "";
  }

  function addMessage(data) {
    if (document.getElementById("m" + data.id)) return; // already here: never twice
    if (!atLatest) return; // an older window is open; the "newer" link brings the rest
    var stick = nearBottom() || data.author_id === me;
    var empty = document.getElementById("chat-empty");
    if (empty) empty.remove();
    var node = fragment(data.html);
    var newer = null;
    messages().forEach(function (el) {
      if (!newer && Number(el.dataset.id) > data.id) newer = el;
    });
    log.insertBefore(node, newer);
    if (stick) toBottom();
    if (data.author_id !== me && (document.hidden || !nearBottom())) {
      unseen += 1;
      setTitle();
    }
    renderSeen();
    markRead();
  }

  function replaceMessage(data) {
    var old = document.getElementById("m" + data.id);
    if (!old || old.dataset.version === data.version) return;
    old.replaceWith(fragment(data.html));
  }

  function onEvent(data) {
    if (data.ts && (!since || data.ts > since)) since = data.ts;
    switch (data.type) {
      case "message":
        if (data.author_id && typingBox.dataset.user === String(data.author_id)) typingBox.textContent = "";
        addMessage(data);
        break;
      case "changed":
        replaceMessage(data);
        break;
      case "typing":
        typingBox.textContent = root.dataset.typingLabel.replace("{name}", data.name);
        typingBox.dataset.user = String(data.user_id);
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typingBox.textContent = ""; }, 5000);
        break;
      case "read":
        seen[data.user_id] = { name: data.name, last: data.last_read_id };
        renderSeen();
        break;
      case "ack":
        delete pending[data.client_id];
        break;
      case "error":
        showError(data.message);
        if (pending[data.client_id]) {
          if (!textarea.value) textarea.value = pending[data.client_id].body;
          delete pending[data.client_id];
        }
        break;
      case "ready":
        if (!data.complete) window.location.reload();
        markRead();
        break;
    }
  }

  live.on("open", function () {
    // Catch-up: whatever came and changed while this page was not connected.
    if (atLatest) live.send({ type: "hello", last_id: lastId(), since: since });
    // Messages sent but not acknowledged go again; their client_id makes that harmless.
    Object.keys(pending).forEach(function (clientId) {
      live.send(pending[clientId]);
    });
  });
  live.on("message", onEvent);

  function showError(text) {
    if (!errorBox) return;
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function clearReply() {
    document.getElementById("reply-to").value = "";
    document.getElementById("replying").hidden = true;
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      if (!live.isOpen()) return; // the plain POST still works
      event.preventDefault();
      var body = textarea.value;
      if (!body.trim()) return;
      var clientId = uuid();
      var frame = {
        type: "send",
        body: body,
        reply_to: document.getElementById("reply-to").value || null,
        client_id: clientId,
      };
      pending[clientId] = frame;
      live.send(frame);
      textarea.value = "";
      showError("");
      clearReply();
      atLatest = true;
    });
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    textarea.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTyping > 2000 && live.send({ type: "typing" })) lastTyping = now;
    });
    var cancel = document.getElementById("reply-cancel");
    if (cancel) cancel.addEventListener("click", function (event) {
      event.preventDefault();
      clearReply();
    });
  }

  // Clicks inside messages: reply, jump to the quoted message, and the small forms.
  log.addEventListener("click", function (event) {
    var reply = event.target.closest("[data-reply]");
    if (reply && form) {
      event.preventDefault();
      document.getElementById("reply-to").value = reply.dataset.reply;
      document.getElementById("replying-text").textContent =
        textarea.dataset.replyingLabel.replace("{name}", reply.dataset.replyName);
      document.getElementById("replying").hidden = false;
      var menu = reply.closest("details");
      if (menu) menu.removeAttribute("open");
      textarea.focus();
      return;
    }
    var jump = event.target.closest("[data-jump]");
    if (jump) {
      var target = document.getElementById("m" + jump.dataset.jump);
      if (target) {
        event.preventDefault();
        highlight(target);
      }
    }
  });

  log.addEventListener("submit", function (event) {
    var target = event.target;
    if (!target.closest(".msg")) return;
    event.preventDefault();
    var menu = target.closest("details");
    if (menu) menu.removeAttribute("open");
    var body = new FormData(target);
    body.set("csrfmiddlewaretoken", csrfToken());
    // The change comes back over the socket, as for everyone else.
    fetch(target.action, { method: "POST", body: body, headers: { "HX-Request": "true" }, credentials: "same-origin" });
  });

  function highlight(el) {
    el.scrollIntoView({ block: "center" });
    el.classList.add("is-target");
    setTimeout(function () { el.classList.remove("is-target"); }, 2000);
  }

  try {
    JSON.parse(root.dataset.seen || "[]").forEach(function (s) { seen[s.id] = { name: s.name, last: s.last }; });
  } catch (e) { /* no receipts yet */ }
  var target = root.dataset.target && document.getElementById("m" + root.dataset.target);
  var divider = document.getElementById("unread-divider");
  if (target) highlight(target);
  else if (divider) divider.scrollIntoView({ block: "start" });
  else toBottom();
  renderSeen();

  log.addEventListener("scroll", markRead, { passive: true });
  document.addEventListener("visibilitychange", markRead);
})();
