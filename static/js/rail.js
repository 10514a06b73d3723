// The list of my collabs, live on every page: the column beside a collab's pages and the "My
// collabs" page ([data-rail-list]), the top bar's unread count ([data-nav-total]), the tab's
// title and the favicon. It listens to the page's one socket (live.js): "activity" frames are
// what the server summarises of a collab's events for this person (a new message's preview and
// whether it counts for them, a changed last message, their own reading on another tab or
// device); "collabs" says the list itself changed (joined, left). When the counts may be off
// (a reconnect, reading only part of a chat elsewhere) the list is loaded again from the
// server (collabs:rail), which is the one source of the figures.
(function () {
  "use strict";
  var live = window.collabLive;
  var body = document.body;
  if (!live || !body) return;

  var navBadge = document.querySelector("[data-nav-total]");
  var icon = document.querySelector('link[rel="icon"]');
  var iconHref = icon ? icon.getAttribute("href") : null;
  var iconType = icon ? icon.getAttribute("type") : null;
  var titleBase = document.title.replace(/^\(\d+\) /, "");
  var railUrl = (function () {
    var el = document.querySelector("[data-rail-url]");
    return el ? el.dataset.railUrl : "/collabs/rail/";
  })();

  function lists() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-rail-list]"));
  }

  function rowsOf(collabId) {
    return Array.prototype.slice.call(
      document.querySelectorAll('[data-rail-list] > [data-collab="' + collabId + '"]'));
  }

  function num(value) {
    var n = Number(value);
    return isFinite(n) && n > 0 ? n : 0;
  }

  // --- Counters ---------------------------------------------------------------------------

  function label(kind, n) {
    return (body.dataset[kind + "Label"] || "{n}").replace("{n}", String(n));
  }

  function counter(className, shown, text) {
    var el = document.createElement("span");
    el.className = "counter " + className;
    var visible = document.createElement("span");
    visible.setAttribute("aria-hidden", "true");
    visible.textContent = shown;
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.textContent = text;
    el.appendChild(visible);
    el.appendChild(spoken);
    return el;
  }

  // Past 999 the server counts no further and says "999+" (apps/chat/receivers.UNREAD_SHOWN);
  // so does the page.
  function shownCount(n) {
    return n > 999 ? "999+" : String(n);
  }

  function setCounts(row, unread, mentions) {
    if (num(row.dataset.unread) === unread && num(row.dataset.mentions) === mentions) return;
    row.dataset.unread = String(unread);
    row.dataset.mentions = String(mentions);
    var box = row.querySelector("[data-counters]");
    if (!box) return;
    box.textContent = "";
    if (mentions) box.appendChild(counter("counter-mention", mentions > 1 ? "@" + mentions : "@", label("mentions", mentions)));
    if (unread) box.appendChild(counter("counter-unread", shownCount(unread), label("unread", shownCount(unread))));
  }

  // --- Total: the top bar, the title, the favicon -------------------------------------------

  var total = navBadge ? num(navBadge.dataset.navTotal) : 0;

  function showTotal(n) {
    total = n;
    if (navBadge) {
      navBadge.dataset.navTotal = String(n);
      navBadge.hidden = !n;
      navBadge.firstElementChild.textContent = shownCount(n);
      navBadge.lastElementChild.textContent = label("unread", shownCount(n));
    }
    document.title = n ? "(" + shownCount(n) + ") " + titleBase : titleBase;
    drawIcon(n);
  }

  function recount() {
    // With a list on the page the total is its rows' sum; without one, what the server said
    // plus what came since (see onActivity).
    var list = lists()[0];
    if (!list) return showTotal(total);
    var n = 0;
    Array.prototype.forEach.call(list.children, function (row) { n += num(row.dataset.unread); });
    showTotal(n);
  }

  var drawn = null;
  function drawIcon(n) {
    if (!icon || !iconHref || drawn === n) return;
    drawn = n;
    if (!n) {
      icon.setAttribute("href", iconHref);
      if (iconType) icon.setAttribute("type", iconType);
      return;
    }
    var img = new Image();
    img.onload = function () {
      if (drawn !== n) return;
      var canvas = document.createElement("canvas");
      canvas.width = canvas.height = 64;
      var ctx = canvas.getContext("2d");
      ctx.drawImage(img, 0, 0, 64, 64);
      ctx.fillStyle = "#d93025";
      ctx.beginPath();
      ctx.arc(44, 20, 20, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = "#fff";
      ctx.font = "bold " + (n > 99 ? 18 : 26) + "px sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(n > 99 ? "99+" : String(n), 44, 21);
      icon.setAttribute("type", "image/png");
      icon.setAttribute("href", canvas.toDataURL("image/png"));
    };
    img.src = iconHref;
  }

  // --- Rows: previews and order -------------------------------------------------------------

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  function setPreview(row, html) {
    var parts = parse(html);
    ["rail-when", "rail-preview"].forEach(function (name) {
      var fresh = parts.querySelector("." + name);
      var old = row.querySelector("." + name);
      if (!fresh) return;
      if (old) old.replaceWith(fresh);
      else row.querySelector(".rail-name").after(fresh);
    });
  }

  function toTop(row) {
    // Pinned collabs stay first; a collab with news goes to the top of its group.
    var list = row.parentNode;
    var first = null;
    Array.prototype.some.call(list.children, function (other) {
      if (other === row) return false;
      if (row.classList.contains("is-pinned") || !other.classList.contains("is-pinned")) {
        first = other;
        return true;
      }
      return false;
    });
    if (first !== row.nextElementSibling || first === null) list.insertBefore(row, first);
  }

  // The chat of this collab is on screen and shows its newest messages: what arrives there is
  // read at once (chat.js reports it), so it is not counted here in between.
  function seenInChat(collabId) {
    var chat = document.getElementById("chat");
    if (!chat || chat.dataset.collab !== String(collabId) || document.hidden) return false;
    if (document.getElementById("history-newer")) return false;
    var log = document.getElementById("chat-log");
    return !!log && log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function onActivity(frame) {
    var rows = rowsOf(frame.collab_id);
    if (frame.read !== undefined) {
      var stale = !rows.length;
      rows.forEach(function (row) {
        if (frame.read >= num(row.dataset.lastId)) setCounts(row, 0, 0);
        else stale = true;
      });
      if (stale) refreshSoon();
      else recount();
      return;
    }
    if (frame.changed) {
      rows.forEach(function (row) {
        if (num(row.dataset.lastId) === frame.id) setPreview(row, frame.preview);
      });
      return;
    }
    if (!rows.length) {
      // A collab the list does not show (new to me, or hidden and brought back by a mention).
      if (frame.unread && !lists().length) showTotal(total + 1);
      if (frame.mention || lists().length) refreshSoon();
      return;
    }
    var counts = frame.unread && !seenInChat(frame.collab_id);
    rows.forEach(function (row) {
      if (frame.id <= num(row.dataset.lastId)) return; // heard already (a catch-up)
      row.dataset.lastId = String(frame.id);
      setPreview(row, frame.preview);
      if (counts) {
        setCounts(row, num(row.dataset.unread) + 1, num(row.dataset.mentions) + (frame.mention ? 1 : 0));
      }
      toTop(row);
    });
    recount();
  }

  // --- Loading the list again -----------------------------------------------------------------

  var refreshTimer = null;
  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 300);
  }

  function refresh() {
    fetch(railUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var fresh = parse(html).querySelector("[data-rail-list]");
        if (!fresh) return;
        var byId = {};
        Array.prototype.forEach.call(fresh.children, function (row) {
          if (row.dataset.collab) byId[row.dataset.collab] = row;
        });
        var list = lists()[0];
        if (!list) {
          var n = 0;
          Object.keys(byId).forEach(function (id) { n += num(byId[id].dataset.unread); });
          return showTotal(n);
        }
        lists().forEach(function (target) { merge(target, fresh, byId); });
        recount();
      })
      .catch(function () { /* offline: the next reconnect loads it again */ });
  }

  // The server's list, in its order. The rail column takes it whole; the "My collabs" page
  // keeps its rows (they carry the row's actions) and takes their figures and previews.
  function merge(target, fresh, byId) {
    if (target.closest(".rail")) {
      target.replaceChildren.apply(target, Array.prototype.slice.call(fresh.children));
      return;
    }
    var kept = {};
    Array.prototype.slice.call(target.children).forEach(function (row) {
      var source = byId[row.dataset.collab];
      if (!source) {
        if (row.dataset.collab) row.remove();
        return;
      }
      kept[row.dataset.collab] = row;
      row.dataset.lastId = source.dataset.lastId;
      var freshCounters = source.querySelector("[data-counters]");
      var counters = row.querySelector("[data-counters]");
      if (freshCounters && counters) counters.replaceWith(freshCounters.cloneNode(true));
      row.dataset.unread = source.dataset.unread;
      row.dataset.mentions = source.dataset.mentions;
      var when = source.querySelector(".rail-when");
      var preview = source.querySelector(".rail-preview");
      if (when && preview) {
        var holder = document.createElement("div");
        holder.appendChild(when.cloneNode(true));
        holder.appendChild(preview.cloneNode(true));
        setPreview(row, holder.innerHTML);
      }
    });
    Array.prototype.forEach.call(fresh.children, function (source) {
      var row = kept[source.dataset.collab] || source.cloneNode(true);
      target.appendChild(row); // in the server's order
    });
  }

  // --- Wiring -------------------------------------------------------------------------------

  var opened = false;
  live.on("open", function () {
    if (opened) refreshSoon(); // after a reconnect: whatever happened meanwhile
    opened = true;
  });
  live.on("message", function (frame) {
    if (frame.type === "activity") onActivity(frame);
    else if (frame.type === "collabs") refreshSoon();
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) recount();
  });
  recount();
})();
