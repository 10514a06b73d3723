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
  var seen = {};
  // Everything that changed after the page was rendered comes with the catch-up.
  var since = root.dataset.renderedAt || null;
  var readSent = Number(root.dataset.lastRead || 0);
  var lastTyping = 0;
  var typingTimer = null;
  var pending = {};
  var jump = document.getElementById("chat-jump");
  var jumpCount = jump && jump.querySelector(".chat-jump-count");
  var newCount = 0; // live messages of others that came while the reader was not at the end
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

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

  // The catch-up after a (re)connect: the newest message the page has, the time of the last
  // event it saw, and the ids of its newest messages, so that one which committed after a
  // later one (another server's) and was missed comes too (ChatConsumer.on_hello).
  function hello() {
    var all = messages();
    var have = [];
    for (var i = Math.max(0, all.length - 200); i < all.length; i++) have.push(Number(all[i].dataset.id));
    return { type: "hello", last_id: lastId(), since: since, have: have };
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function toBottom() {
    log.scrollTop = log.scrollHeight;
  }

  // A pushed partial holds no form and no token (its reaction chips submit the page's one
  // shared form, #msg-act; its "⋯" opens the one shared menu).
  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content.firstElementChild;
  }

  // The tab's title counts what is unread in all my collabs, this one included: rail.js keeps
  // it, from the server's figures (reading here sends "read", which clears this collab's).

  // Reading: the newest message counts as seen when the page is visible and at the bottom.
  function markRead() {
    if (!atLatest || document.hidden || !nearBottom()) return;
    var id = lastId();
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

  // --- Reading: groups and day separators of messages that arrive live ---------------------
  // The server decides for the pages it renders (apps/chat/history.py); these are the same
  // rules for one message put after another in the page.
  var GROUP_GAP = 5 * 60; // seconds

  function previousMessage(el) {
    var prev = el.previousElementSibling;
    while (prev && !prev.hasAttribute("data-id")) prev = prev.previousElementSibling;
    return prev;
  }

  function continues(prev, el) {
    if (!prev || prev !== el.previousElementSibling) return false; // a separator between
    if (el.tagName !== "ARTICLE" || prev.tagName !== "ARTICLE") return false; // system
    if (!el.dataset.author || el.dataset.author !== prev.dataset.author) return false;
    if (el.querySelector(".msg-quote") || el.dataset.day !== prev.dataset.day) return false;
    var gap = Number(el.dataset.ts) - Number(prev.dataset.ts);
    return gap >= 0 && gap <= GROUP_GAP;
  }

  function daySeparator(day, label) {
    var sep = document.createElement("div");
    sep.className = "day-sep";
    sep.setAttribute("role", "separator");
    sep.setAttribute("aria-label", label);
    sep.dataset.day = day;
    var text = document.createElement("span");
    text.textContent = label;
    sep.appendChild(text);
    return sep;
  }

  // A page left open past midnight: the day that was "Today" is now "Yesterday", and the
  // one before it gets its date (the label of the day before is not known here: left as is).
  function relabelDays(today) {
    var yesterday = new Date(Date.parse(today + "T00:00:00Z") - 86400000).toISOString().slice(0, 10);
    log.querySelectorAll(".day-sep").forEach(function (sep) {
      if (sep.dataset.day === yesterday && sep.getAttribute("aria-label") === jump.dataset.todayLabel) {
        sep.setAttribute("aria-label", jump.dataset.yesterdayLabel);
        sep.firstElementChild.textContent = jump.dataset.yesterdayLabel;
      }
    });
  }

  // A live message is new: if it starts a day, that day is today (in the reader's time zone,
  // which the server used for data-day).
  function decorate(el) {
    var prev = previousMessage(el);
    var before = el.previousElementSibling;
    var hasSep = before && before.classList.contains("day-sep") && before.dataset.day === el.dataset.day;
    if (el.dataset.day && !hasSep && (!prev || prev.dataset.day !== el.dataset.day) && jump) {
      relabelDays(el.dataset.day);
      el.before(daySeparator(el.dataset.day, jump.dataset.todayLabel));
    }
    el.classList.toggle("msg-cont", continues(previousMessage(el), el));
  }

  function addMessage(data) {
    if (document.getElementById("m" + data.id)) return; // already here: never twice
    if (!atLatest) {
      // An older window is open; the "newer" link or "Jump to latest" brings the rest.
      if (data.author_id !== me) countNew();
      return;
    }
    var stick = nearBottom() || data.author_id === me;
    var empty = document.getElementById("chat-empty");
    if (empty) empty.remove();
    var node = fragment(data.html);
    var newer = null;
    messages().forEach(function (el) {
      if (!newer && Number(el.dataset.id) > data.id) newer = el;
    });
    if (!newer) newer = log.querySelector(".history-newer");
    log.insertBefore(node, newer);
    if (!newer || newer.classList.contains("history-newer")) decorate(node);
    if (stick) toBottom();
    if (data.author_id !== me && !stick) countNew();
    renderSeen();
    markRead();
  }

  // A change can overtake the message it changes (a file's thumbnail made right after the
  // upload, on another server process): kept until the message comes, then applied.
  var early = {};

  function replaceMessage(data) {
    var old = document.getElementById("m" + data.id);
    if (!old) {
      var all = messages();
      var newest = all[all.length - 1];
      if (atLatest && (!newest || Number(newest.dataset.id) < data.id)) early[data.id] = data;
      return;
    }
    if (old.dataset.version === data.version) return;
    var node = fragment(data.html);
    if (old.classList.contains("msg-cont")) node.classList.add("msg-cont");
    var reopen = menu && old.contains(menu) ? (menuFocused() ? "first" : "") : null;
    if (reopen !== null) closeMenu(false);
    old.replaceWith(node);
    // The menu was open on it: open again on the new version (Pin may have become Unpin).
    var more = reopen !== null && node.querySelector(".msg-more");
    if (more) openMenu(more, reopen);
  }

  function onEvent(data) {
    if (data.ts && (!since || data.ts > since)) since = data.ts;
    // Every pushed message says what the shared menu may offer now (a role may have changed).
    if (data.may) root.dataset.may = data.may.join(" ");
    switch (data.type) {
      case "message":
        if (data.author_id && typingBox.dataset.user === String(data.author_id)) typingBox.textContent = "";
        addMessage(data);
        if (early[data.id]) {
          if (early[data.id].version > data.version) replaceMessage(early[data.id]);
          delete early[data.id];
        }
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
        // Every reader whose marker moved lately, each once; a marker never goes back (two
        // server processes' news of one reader may arrive in either order).
        data.readers.forEach(function (r) {
          var known = seen[r.user_id];
          if (!known || r.last_read_id > known.last) seen[r.user_id] = { name: r.name, last: r.last_read_id };
        });
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
    if (atLatest) live.send(hello());
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
      // One's own message goes at the end: from an older window, to the latest one first.
      if (!atLatest) loadLatest();
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
      closeMenu(false);
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

  // The menu's forms and the reaction chips (which submit the page's shared form #msg-act
  // with their own formaction): posted by the script, the change comes back over the socket,
  // as for everyone else.
  root.addEventListener("submit", function (event) {
    var target = event.target;
    if (target.id !== "msg-act" && !target.closest(".msg")) return;
    event.preventDefault();
    var submitter = event.submitter;
    var body = new FormData(target);
    if (submitter && submitter.name) body.set(submitter.name, submitter.value);
    body.set("csrfmiddlewaretoken", csrfToken());
    var action = submitter && submitter.hasAttribute("formaction") ? submitter.formAction : target.action;
    var refocus = menu && menu.contains(target) && menuFocused();
    closeMenu(refocus);
    fetch(action, { method: "POST", body: body, headers: { "HX-Request": "true" }, credentials: "same-origin" });
  });

  // The message a link opened or a quote jumped to: a flash and an outline for two seconds
  // (without the flash when the reader prefers less motion: the CSS decides).
  function highlight(el) {
    el.scrollIntoView({ block: "center" });
    el.classList.remove("is-target");
    void el.offsetWidth; // restart the animation when the same message is jumped to again
    el.classList.add("is-target");
    clearTimeout(el._targetTimer);
    el._targetTimer = setTimeout(function () { el.classList.remove("is-target"); }, 2000);
  }

  // --- Reading: pages of history as the reader scrolls, both ways -------------------------
  // htmx's "revealed" watches the window, not a scrolling box, so the links to the pages
  // before and after are watched here, inside the log. They stay plain links (no script).
  var loading = { before: false, after: false };
  var watcher = null;

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  function getPage(url) {
    return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    });
  }

  function watchLinks(scope) {
    if (!watcher) return;
    (scope || log).querySelectorAll("[data-more]").forEach(function (link) { watcher.observe(link); });
  }

  // Two pages never show one day's separator twice at their seam (the server sees to it;
  // this keeps it so whatever came in which order).
  function tidySeparators() {
    log.querySelectorAll(".day-sep").forEach(function (sep) {
      var next = sep.nextElementSibling;
      while (next && !next.hasAttribute("data-id")) next = next.nextElementSibling;
      var prev = previousMessage(sep);
      if (!next || (prev && prev.dataset.day === sep.dataset.day)) sep.remove();
    });
  }

  function loadPage(link) {
    var direction = link.dataset.more;
    if (loading[direction]) return;
    loading[direction] = true;
    var box = link.parentElement;
    getPage(link.href).then(function (html) {
      if (!box.isConnected) return;
      var content = parse(html);
      if (watcher) watcher.unobserve(link);
      if (direction === "before") {
        // Keep what the reader looks at where it is: measure the first message below the
        // link, insert above it, and scroll by however much it moved.
        // (The page opened with its day's separator on top; if the page put above ends on
        // that day, tidySeparators takes it away, before the measuring.)
        var anchor = box.nextElementSibling;
        while (anchor && !anchor.hasAttribute("data-id")) anchor = anchor.nextElementSibling;
        var top = anchor ? anchor.getBoundingClientRect().top : 0;
        box.replaceWith(content);
        tidySeparators();
        if (anchor) log.scrollTop += anchor.getBoundingClientRect().top - top;
      } else {
        var more = content.querySelector("[data-more]");
        box.replaceWith(content);
        if (!more) reachedLatest();
      }
      tidySeparators();
      watchLinks();
      updateJump();
    }).catch(function () {
      // The link is still there: it works as a plain link, and the next scroll tries again.
    }).then(function () {
      loading[direction] = false;
    });
  }

  function reachedLatest() {
    atLatest = true;
    root.dataset.atLatest = "1";
    // Whatever came while an older window was open: the socket's catch-up brings it.
    live.send(hello());
  }

  // The newest page in place of an older window ("Jump to latest" there, or sending).
  function loadLatest() {
    if (loading.latest) return;
    loading.latest = true;
    getPage(jump.dataset.history).then(function (html) {
      log.replaceChildren(parse(html));
      newCount = 0;
      reachedLatest();
      toBottom();
      watchLinks();
      updateJump();
    }).catch(function () {
      window.location.href = window.location.pathname; // the page opens at the latest
    }).then(function () {
      loading.latest = false;
    });
  }

  if ("IntersectionObserver" in window) {
    watcher = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) loadPage(entry.target);
      });
    }, { root: log, rootMargin: "200px 0px" });
  }

  log.addEventListener("click", function (event) {
    var link = event.target.closest("[data-more]");
    if (!link) return;
    event.preventDefault();
    loadPage(link);
  });

  // --- Reading: "Jump to latest" -------------------------------------------------------
  function countNew() {
    newCount += 1;
    updateJump();
  }

  function updateJump() {
    if (!jump) return;
    if (atLatest && nearBottom()) newCount = 0;
    jump.hidden = atLatest && nearBottom();
    jumpCount.hidden = !newCount;
    jumpCount.textContent = newCount ? String(newCount) : "";
    if (newCount) jump.setAttribute("aria-label", jump.dataset.countLabel.replace("{count}", newCount));
    else jump.removeAttribute("aria-label");
  }

  if (jump) {
    jump.addEventListener("click", function () {
      var hadFocus = document.activeElement === jump;
      if (atLatest) {
        newCount = 0;
        log.scrollTo({ top: log.scrollHeight, behavior: reducedMotion ? "auto" : "smooth" });
      } else {
        loadLatest();
      }
      if (hadFocus && textarea) textarea.focus();
    });
  }

  var scrollQueued = false;
  log.addEventListener("scroll", function () {
    if (scrollQueued) return;
    scrollQueued = true;
    window.requestAnimationFrame(function () {
      scrollQueued = false;
      updateJump();
      placeOpenMenu();
    });
  }, { passive: true });

  // --- The one "⋯" menu -------------------------------------------------------------------
  // Every message carries only a "⋯" link (to its actions page, for a page without this
  // script). Here it opens the page's one menu (#msg-menu-template, with what this reader may
  // do at all), cloned into the message and filled with its addresses and what the reader
  // may do with it: Edit for their own, Delete for their own or as a moderator, Pin or Unpin.
  // The server checks every action again. The log scrolls and clips what sticks out of it,
  // so the open menu is placed on the page (position: fixed) next to its button, below it or
  // above when there is no room below, and kept inside the window. Keys: Enter/Space/arrows
  // open it, arrows move between its items, Home/End jump to the ends, Escape closes it and
  // gives the focus back to its button; tabbing out closes it.
  var menuTemplate = document.getElementById("msg-menu-template");
  var menu = null; // the open menu, inside its message
  var opener = null; // the "⋯" link that opened it
  var EDGE = 8;

  function menuItems() {
    if (!menu) return [];
    return Array.prototype.filter.call(
      menu.querySelectorAll("a[href], button:not([disabled])"),
      function (el) { return el.getClientRects().length > 0; }
    );
  }

  function menuFocused() {
    return !!menu && menu.contains(document.activeElement);
  }

  function fillMenu(box, msg, more) {
    var id = msg.dataset.id;
    var own = msg.dataset.author === String(me);
    // The message's own addresses: its actions page's, with the action in place of "actions/".
    var base = more.getAttribute("href").replace(/actions\/$/, "");
    var permalink = window.location.pathname + "?message=" + id + "#m" + id;
    function item(name) { return box.querySelector('[data-item="' + name + '"]'); }
    function drop(name) { var el = item(name); if (el) el.remove(); }
    // What the reader may do beyond reacting and their own messages (partials.reader_may).
    var may = (root.dataset.may || "").split(" ");
    box.querySelectorAll("[data-need]").forEach(function (el) {
      if (may.indexOf(el.dataset.need) < 0) el.remove();
    });
    var reply = item("reply");
    if (reply) {
      reply.setAttribute("href", "?reply=" + id + "#composer");
      reply.dataset.reply = id;
      var who = msg.querySelector(".msg-author");
      reply.dataset.replyName = who ? who.textContent : "";
    }
    item("react").setAttribute("action", base + "react/");
    item("react-more").dataset.reactMore = base + "react/";
    if (own) {
      item("edit").setAttribute("href", base + "edit/");
      item("edit").dataset.edit = id;
    } else {
      drop("edit");
    }
    box.querySelectorAll('[data-item="feature"]').forEach(function (link) {
      link.setAttribute("href", link.getAttribute("href") + "?message=" + id);
    });
    item("copy").setAttribute("href", permalink);
    var pin = item("pin");
    if (pin) {
      var pinned = msg.classList.contains("msg-pinned");
      pin.setAttribute("action", base + "pin/");
      pin.querySelector('[name="pinned"]').value = pinned ? "0" : "1";
      var button = pin.querySelector("button");
      button.textContent = pinned ? button.dataset.unpinLabel : button.dataset.pinLabel;
    }
    if (own || may.indexOf("moderate") >= 0) item("delete").setAttribute("action", base + "delete/");
    else drop("delete");
  }

  function placeMenu() {
    var button = opener.getBoundingClientRect();
    var logBox = log.getBoundingClientRect();
    if (button.bottom < logBox.top || button.top > logBox.bottom) {
      closeMenu(false); // its message scrolled out of sight
      return;
    }
    var width = document.documentElement.clientWidth;
    var height = window.innerHeight;
    menu.style.maxHeight = "";
    menu.style.left = "0px";
    menu.style.top = "0px";
    var w = menu.offsetWidth;
    var h = menu.offsetHeight;
    if (h > height - 2 * EDGE) {
      h = height - 2 * EDGE;
      menu.style.maxHeight = h + "px";
    }
    var left = Math.min(button.right - w, width - EDGE - w);
    var top = button.bottom + 2;
    if (top + h > height - EDGE) top = button.top - 2 - h >= EDGE ? button.top - 2 - h : height - EDGE - h;
    menu.style.left = Math.max(EDGE, left) + "px";
    menu.style.top = Math.max(EDGE, top) + "px";
  }

  function placeOpenMenu() {
    if (menu) placeMenu();
  }

  function openMenu(more, focus) {
    var msg = more.closest(".msg");
    if (!menuTemplate || !msg) return false;
    closeMenu(false);
    var box = menuTemplate.content.firstElementChild.cloneNode(true);
    fillMenu(box, msg, more);
    box.id = "msg-menu";
    more.setAttribute("aria-controls", box.id);
    more.setAttribute("aria-expanded", "true");
    msg.appendChild(box);
    menu = box;
    opener = more;
    placeMenu();
    if (menu && focus) {
      var items = menuItems();
      if (items.length) items[focus === "last" ? items.length - 1 : 0].focus();
    }
    return true;
  }

  function closeMenu(refocus) {
    if (!menu) return;
    var was = opener;
    menu.remove();
    menu = null;
    opener = null;
    if (was) {
      was.setAttribute("aria-expanded", "false");
      was.removeAttribute("aria-controls");
      if (refocus && was.isConnected) was.focus();
    }
  }

  window.addEventListener("resize", placeOpenMenu);

  log.addEventListener("click", function (event) {
    var more = event.target.closest(".msg-more");
    if (more) {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return; // the page, in a new tab
      if (!menuTemplate) return; // no menu on this page: the actions page
      event.preventDefault();
      if (menu && opener === more) closeMenu(false);
      else openMenu(more, event.detail === 0 ? "first" : ""); // detail 0: Enter on the link
      return;
    }
    if (!menu || !menu.contains(event.target)) return;
    var link = event.target.closest('[role="menuitem"]');
    if (!link) return;
    if (link.dataset.item === "copy") {
      event.preventDefault();
      var url = new URL(link.getAttribute("href"), window.location.href).href;
      if (navigator.clipboard) navigator.clipboard.writeText(url).catch(function () {});
      closeMenu(true);
      return;
    }
    // A link or button taken over by another script (reply, edit in place, a feature's
    // dialog) or a form (the submit handler closes): the menu closes once they have it.
    if (link.tagName === "A") setTimeout(function () { closeMenu(false); }, 0);
  });

  // A click anywhere else closes the menu.
  document.addEventListener("click", function (event) {
    if (menu && !menu.contains(event.target) && !(opener && opener.contains(event.target))) closeMenu(false);
  });

  log.addEventListener("keydown", function (event) {
    var key = event.key;
    var more = event.target.closest && event.target.closest(".msg-more");
    if (more && menuTemplate) {
      if (key === " " || key === "ArrowDown") {
        event.preventDefault();
        if (menu && opener === more) { var first = menuItems()[0]; if (first) first.focus(); }
        else openMenu(more, "first");
      } else if (key === "ArrowUp") {
        event.preventDefault();
        if (menu && opener === more) { var all = menuItems(); if (all.length) all[all.length - 1].focus(); }
        else openMenu(more, "last");
      } else if (key === "Escape" && menu && opener === more) {
        event.preventDefault();
        closeMenu(true);
      }
      return;
    }
    if (!menu || !menu.contains(event.target)) return;
    var items = menuItems();
    var at = items.indexOf(document.activeElement);
    var next = null;
    if (key === "ArrowDown" || key === "ArrowRight") next = items[(at + 1) % items.length];
    else if (key === "ArrowUp" || key === "ArrowLeft") next = items[(at - 1 + items.length) % items.length];
    else if (key === "Home") next = items[0];
    else if (key === "End") next = items[items.length - 1];
    else if (key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      closeMenu(true);
      return;
    }
    if (next) {
      event.preventDefault();
      next.focus();
    }
  });

  // Tabbing out of the open menu closes it.
  log.addEventListener("focusout", function (event) {
    if (!menu || !menu.contains(event.target)) return;
    var to = event.relatedTarget;
    if (to && !menu.contains(to) && to !== opener) closeMenu(false);
  });

  try {
    JSON.parse(root.dataset.seen || "[]").forEach(function (s) { seen[s.id] = { name: s.name, last: s.last }; });
  } catch (e) { /* no receipts yet */ }
  var target = root.dataset.target && document.getElementById("m" + root.dataset.target);
  var divider = document.getElementById("unread-divider");
  if (target) highlight(target);
  else if (divider) divider.scrollIntoView({ block: "start" });
  else toBottom();
  renderSeen();
  // Watched only now, where the page opened: the link at the top of a page opened at its end
  // is far out of sight and loads when the reader scrolls up to it.
  watchLinks();
  updateJump();

  log.addEventListener("scroll", markRead, { passive: true });
  document.addEventListener("visibilitychange", markRead);
})();
