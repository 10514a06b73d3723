// Writing in the chat: mention autocomplete (the composer and every textarea[data-mentions],
// such as the in-place editor), the emoji picker (beside the composer and "More reactions…" in
// a message's menu) and per-collab drafts. chat.js sends the composer; this file never edits
// it and only listens at the document (capture phase, so a pick with Enter is not also a send).
// Strings and URLs come from this script tag's data attributes (translated by the template).
(function () {
  "use strict";
  var script = document.currentScript;
  var root = document.getElementById("chat");
  if (!script || !root) return;
  var config = script.dataset;
  var collabId = root.dataset.collab;
  var userId = root.dataset.user;
  document.documentElement.classList.add("has-writing-js");

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
      return input ? input.value : "";
    }
  }

  // --- Mention autocomplete ----------------------------------------------------------------
  // The textarea keeps its textbox role (a textarea may not be a combobox) and points at the
  // listbox with aria-controls / aria-activedescendant; aria-expanded tells whether it is open.

  var MENTION_AT = /(^|[^\p{L}\p{N}_])@([\p{L}\p{N}'’.-]{0,30})$/u;
  var state = null; // {textarea, list, start, items, active, query}
  var requestSeq = 0;
  var cache = {};

  function listFor(textarea) {
    var id = (textarea.id || "writing-text") + "-mentions";
    var list = document.getElementById(id);
    if (!list) {
      list = document.createElement("ul");
      list.id = id;
      list.className = "mention-list";
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", config.mentionsLabel || "");
      list.hidden = true;
      textarea.insertAdjacentElement("afterend", list);
      textarea.setAttribute("aria-controls", id);
      textarea.setAttribute("aria-autocomplete", "list");
      textarea.setAttribute("aria-expanded", "false");
    }
    return list;
  }

  function closeMentions() {
    if (!state) return;
    state.list.hidden = true;
    state.list.textContent = "";
    state.textarea.setAttribute("aria-expanded", "false");
    state.textarea.removeAttribute("aria-activedescendant");
    state = null;
  }

  function fetchMembers(query) {
    if (cache[query]) return Promise.resolve(cache[query]);
    var url = config.mentionsUrl + "?q=" + encodeURIComponent(query);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { members: [] }; })
      .then(function (data) {
        cache[query] = data.members || [];
        return cache[query];
      });
  }

  function option(member, index, listId) {
    var li = document.createElement("li");
    li.id = listId + "-" + member.id;
    li.className = "mention-option";
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", index === 0 ? "true" : "false");
    li.dataset.index = String(index);
    var avatar;
    if (member.avatar) {
      avatar = document.createElement("img");
      avatar.src = member.avatar;
      avatar.alt = "";
      avatar.width = 24;
      avatar.height = 24;
      avatar.className = "avatar avatar-sm";
    } else {
      avatar = document.createElement("span");
      avatar.className = "avatar avatar-sm avatar-initials";
      avatar.setAttribute("aria-hidden", "true");
      avatar.textContent = member.initials;
    }
    var name = document.createElement("span");
    name.className = "mention-name";
    name.textContent = member.name;
    li.append(avatar, name);
    if (member.guest) {
      var badge = document.createElement("span");
      badge.className = "badge badge-guest";
      badge.textContent = config.guestLabel || "guest";
      li.append(" ", badge);
    }
    return li;
  }

  function render(members) {
    var list = state.list;
    list.textContent = "";
    state.items = members;
    state.active = 0;
    if (!members.length) {
      closeMentions();
      return;
    }
    members.forEach(function (member, i) { list.append(option(member, i, list.id)); });
    list.hidden = false;
    state.textarea.setAttribute("aria-expanded", "true");
    setActive(0);
  }

  function setActive(index) {
    if (!state || !state.items.length) return;
    var count = state.items.length;
    state.active = (index + count) % count;
    Array.prototype.forEach.call(state.list.children, function (li, i) {
      li.setAttribute("aria-selected", i === state.active ? "true" : "false");
      li.classList.toggle("is-active", i === state.active);
    });
    var current = state.list.children[state.active];
    state.textarea.setAttribute("aria-activedescendant", current.id);
    current.scrollIntoView({ block: "nearest" });
  }

  function pick(index) {
    if (!state) return;
    var member = state.items[index];
    var textarea = state.textarea;
    var end = textarea.selectionStart;
    var insert = member.insert + " ";
    textarea.setRangeText(insert, state.start, end, "end");
    closeMentions();
    textarea.focus();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function onMentionInput(textarea) {
    var caret = textarea.selectionStart;
    if (caret !== textarea.selectionEnd) return closeMentions();
    var before = textarea.value.slice(Math.max(0, caret - 40), caret);
    var match = MENTION_AT.exec(before);
    if (!match) return closeMentions();
    var query = match[2];
    var list = listFor(textarea);
    if (state && state.textarea !== textarea) closeMentions();
    state = state || { textarea: textarea, list: list, items: [], active: 0 };
    state.start = caret - query.length - 1;
    state.query = query;
    var seq = ++requestSeq;
    fetchMembers(query).then(function (members) {
      if (seq !== requestSeq || !state || state.query !== query) return; // typed on since
      render(members);
    }, closeMentions);
  }

  document.addEventListener("input", function (event) {
    var textarea = event.target;
    if (textarea instanceof HTMLTextAreaElement && textarea.hasAttribute("data-mentions")) {
      onMentionInput(textarea);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (!state || event.target !== state.textarea || state.list.hidden || event.isComposing) return;
    var handled = true;
    if (event.key === "ArrowDown") setActive(state.active + 1);
    else if (event.key === "ArrowUp") setActive(state.active - 1);
    else if (event.key === "Enter" || event.key === "Tab") pick(state.active);
    else if (event.key === "Escape") closeMentions();
    else handled = false;
    if (handled) {
      // Ours alone: not a send (chat.js), not a save or cancel (inline-edit.js).
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // Touch and click: pick on pointerdown so the textarea keeps its focus (and the phone its
  // keyboard).
  document.addEventListener("pointerdown", function (event) {
    var li = event.target.closest && event.target.closest(".mention-option");
    if (li && state && state.list.contains(li)) {
      event.preventDefault();
      pick(Number(li.dataset.index));
    }
  });

  document.addEventListener("focusout", function (event) {
    if (state && event.target === state.textarea) {
      setTimeout(function () {
        if (state && document.activeElement !== state.textarea) closeMentions();
      }, 150);
    }
  });

  // --- Emoji picker (emoji-picker-element, loaded on first use) ------------------------------

  var pickerLoad = null;
  var popover = null;
  var onPicked = null;
  var opener = null;

  function loadPicker() {
    if (!pickerLoad) {
      pickerLoad = Promise.all([
        import(config.emojiScript),
        config.emojiI18n ? import(config.emojiI18n) : Promise.resolve(null),
      ]).then(function (modules) {
        var Picker = modules[0].default;
        var options = { dataSource: config.emojiData, locale: config.emojiLocale || "en" };
        if (modules[1]) options.i18n = modules[1].default;
        return new Picker(options);
      });
    }
    return pickerLoad;
  }

  function closePicker(refocus) {
    if (!popover || popover.hidden) return;
    popover.hidden = true;
    if (opener) {
      opener.setAttribute("aria-expanded", "false");
      if (refocus) opener.focus();
    }
    opener = null;
    onPicked = null;
  }

  function openPicker(button, anchor, callback) {
    if (popover && !popover.hidden && opener === button) {
      closePicker(true);
      return;
    }
    closePicker(false);
    loadPicker().then(function (picker) {
      if (!popover) {
        popover = document.createElement("div");
        popover.className = "emoji-popover";
        popover.setAttribute("role", "dialog");
        popover.setAttribute("aria-label", config.emojiLabel || "");
        var close = document.createElement("button");
        close.type = "button";
        close.className = "emoji-popover-close";
        close.setAttribute("aria-label", config.closeLabel || "");
        close.textContent = "×";
        close.addEventListener("click", function () { closePicker(true); });
        popover.append(close, picker);
        picker.addEventListener("emoji-click", function (event) {
          var callbackNow = onPicked;
          closePicker(false);
          if (callbackNow) callbackNow(event.detail.unicode);
        });
      }
      anchor.insertAdjacentElement("afterend", popover);
      popover.hidden = false;
      opener = button;
      onPicked = callback;
      button.setAttribute("aria-expanded", "true");
      // The picker's search field: typing a word finds an emoji at once.
      var search = picker.shadowRoot && picker.shadowRoot.querySelector("input");
      if (search) search.focus();
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && popover && !popover.hidden) {
      event.preventDefault();
      closePicker(true);
    }
  });
  document.addEventListener("click", function (event) {
    if (!popover || popover.hidden) return;
    var inside = event.composedPath().indexOf(popover) !== -1;
    if (!inside && event.target !== opener && !(opener && opener.contains(event.target))) {
      closePicker(false);
    }
  });

  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart;
    var end = textarea.selectionEnd;
    textarea.setRangeText(text, start, end, "end");
    textarea.focus();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  var form = document.getElementById("composer");
  var textarea = document.getElementById("composer-body");
  var emojiButton = document.getElementById("composer-emoji");
  if (form && textarea && emojiButton) {
    emojiButton.hidden = false;
    emojiButton.addEventListener("click", function () {
      openPicker(emojiButton, form.lastElementChild, function (emoji) {
        insertAtCursor(textarea, emoji);
      });
    });
  }

  // "More reactions…" in a message's menu: the chosen emoji goes to the react endpoint; the
  // reaction comes back over the socket, as every change does.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-react-more]");
    if (!button) return;
    event.preventDefault();
    // The picker goes below the message (after its "⋯"), not into the menu, which closes.
    var message = button.closest(".msg");
    var anchor = message && message.querySelector(".msg-more");
    openPicker(button, anchor || button, function (emoji) {
      var body = new FormData();
      body.set("emoji", emoji);
      body.set("csrfmiddlewaretoken", csrfToken());
      fetch(button.dataset.reactMore, {
        method: "POST",
        body: body,
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      });
    });
  });

  // --- Drafts: per collab and person, in this browser ---------------------------------------

  if (!form || !textarea) return;
  var draftKey = "collabhub:draft:" + userId + ":" + collabId;
  var sentBodies = [];

  function readDraft() {
    try {
      return window.localStorage.getItem(draftKey) || "";
    } catch (e) {
      return "";
    }
  }

  function writeDraft(text) {
    try {
      if (text.trim()) window.localStorage.setItem(draftKey, text);
      else window.localStorage.removeItem(draftKey);
    } catch (e) { /* storage full or off: drafts are a convenience */ }
  }

  // What the server kept after a refused plain post wins; otherwise this browser's draft.
  if (form.dataset.serverDraft === "1" && textarea.value) writeDraft(textarea.value);
  else if (!textarea.value) textarea.value = readDraft();

  var saveTimer = null;
  textarea.addEventListener("input", function () {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(function () { writeDraft(textarea.value); }, 300);
  });
  window.addEventListener("pagehide", function () {
    clearTimeout(saveTimer);
    if (textarea.value) writeDraft(textarea.value);
  });

  // Capture: runs before chat.js takes the text out of the composer.
  form.addEventListener("submit", function () {
    clearTimeout(saveTimer);
    var body = textarea.value;
    var live = window.collabLive;
    if (live && live.isOpen()) {
      sentBodies.push(body); // cleared when the server acknowledges it
    } else {
      // A plain post: the server keeps the text if it refuses it (and then wins).
      writeDraft("");
    }
  }, true);

  document.addEventListener("collab:event", function (event) {
    var data = event.detail || {};
    if (data.type === "ack" && sentBodies.length) {
      var body = sentBodies.shift();
      if (readDraft() === body && !textarea.value) writeDraft("");
      else if (readDraft() === body) writeDraft(textarea.value);
    }
  });
})();
