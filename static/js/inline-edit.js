// Edit in place: the "Edit" item of a message's menu (a link to the edit page, which still
// works without JavaScript) turns the message's text into a textarea with its Markdown.
// Enter saves (Shift+Enter: a new line), Escape cancels. Saving posts to the edit page as an
// htmx request (the same service as the page); the new text comes back to everyone, this page
// too, as the "changed" live event (chat.js replaces the message). A refusal keeps the text:
// when the message changed meanwhile, the current text is shown above the editor and a second
// Save replaces it knowingly.
// Listens at the document only (capture phase), so chat.js is left as it is.
(function () {
  "use strict";
  var script = document.currentScript;
  var log = document.getElementById("chat-log");
  if (!script || !log) return;
  var text = script.dataset;
  var editing = null; // {id, url, version, original, form, textarea, error, saving}

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      return "";
    }
  }

  function article(id) {
    return document.getElementById("m" + id);
  }

  function button(label, type, className) {
    var b = document.createElement("button");
    b.type = type;
    b.className = className;
    b.textContent = label;
    return b;
  }

  function buildForm(id) {
    var form = document.createElement("form");
    form.className = "inline-edit";
    form.noValidate = true;
    var label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = "inline-edit-" + id;
    label.textContent = text.label || "";
    var textarea = document.createElement("textarea");
    textarea.id = "inline-edit-" + id;
    textarea.name = "body";
    textarea.rows = 3;
    textarea.maxLength = 10000;
    textarea.setAttribute("data-mentions", "");
    textarea.setAttribute("aria-describedby", "inline-edit-" + id + "-hint");
    var hint = document.createElement("p");
    hint.className = "inline-edit-hint";
    hint.id = "inline-edit-" + id + "-hint";
    hint.textContent = text.hint || "";
    var error = document.createElement("p");
    error.className = "inline-edit-error";
    error.setAttribute("role", "alert");
    error.hidden = true;
    var actions = document.createElement("div");
    actions.className = "inline-edit-actions";
    var cancel = button(text.cancelLabel || "Cancel", "button", "btn btn-small");
    cancel.addEventListener("click", function () { stop(); });
    actions.append(button(text.saveLabel || "Save", "submit", "btn btn-small btn-primary"), cancel);
    form.append(label, textarea, hint, error, actions);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      event.stopPropagation(); // not one of chat.js's small message forms
      save();
    });
    return { form: form, textarea: textarea, error: error };
  }

  // Put the editor into the message (again, after chat.js replaced the message's node).
  function mount() {
    var node = article(editing.id);
    if (!node) return false;
    var body = node.querySelector(".msg-body");
    if (!body) return false; // deleted meanwhile
    node.classList.add("is-editing");
    body.hidden = true;
    if (editing.form.parentNode !== node) body.insertAdjacentElement("afterend", editing.form);
    return true;
  }

  function start(link) {
    var id = link.dataset.edit;
    if (editing && editing.id === id) {
      editing.textarea.focus();
      return;
    }
    if (editing) stop();
    fetch(link.href, { headers: { "HX-Request": "true", Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        var parts = buildForm(id);
        editing = {
          id: id,
          url: link.href,
          version: data.version,
          original: data.body,
          form: parts.form,
          textarea: parts.textarea,
          error: parts.error,
          showCurrent: false,
          saving: false,
        };
        parts.textarea.value = data.body;
        if (!mount()) {
          editing = null;
          return;
        }
        parts.textarea.focus();
        parts.textarea.setSelectionRange(data.body.length, data.body.length);
      })
      .catch(function () {
        window.location.href = link.href; // the edit page says what is wrong
      });
  }

  function stop() {
    if (!editing) return;
    var node = article(editing.id);
    editing.form.remove();
    if (node) {
      node.classList.remove("is-editing");
      var body = node.querySelector(".msg-body");
      if (body) body.hidden = false;
      var menuButton = node.querySelector(".msg-more");
      if (menuButton) menuButton.focus();
    }
    editing = null;
  }

  // The message's text as it is now (its Markdown, as text), above the editor's own.
  function showCurrent(body) {
    var box = editing.form.querySelector(".inline-edit-current");
    if (!box) {
      box = document.createElement("blockquote");
      box.className = "inline-edit-current";
      editing.form.insertBefore(box, editing.form.firstChild);
    }
    box.textContent = body;
    editing.showCurrent = true;
  }

  function showError(message) {
    editing.error.textContent = message;
    editing.error.hidden = !message;
  }

  function save() {
    if (!editing || editing.saving) return;
    var current = editing;
    var body = current.textarea.value;
    if (!body.trim()) {
      current.textarea.focus();
      return;
    }
    if (body === current.original && !current.showCurrent) {
      stop(); // nothing changed: nothing to save
      return;
    }
    var data = new FormData();
    data.set("body", body);
    data.set("version", current.version);
    data.set("csrfmiddlewaretoken", csrfToken());
    current.saving = true;
    current.form.setAttribute("aria-busy", "true");
    var saveButton = current.form.querySelector('button[type="submit"]');
    if (saveButton) saveButton.textContent = text.savingLabel || saveButton.textContent;
    function idle() {
      current.saving = false;
      current.form.removeAttribute("aria-busy");
      if (saveButton) saveButton.textContent = text.saveLabel || "Save";
    }
    showError("");
    fetch(current.url, {
      method: "POST",
      body: data,
      headers: { "HX-Request": "true" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.status === 204) {
          idle();
          if (editing === current) stop();
          // The new text arrives as the "changed" event; without a live connection, reload.
          var live = window.collabLive;
          if (!live || !live.isOpen()) window.location.reload();
          return;
        }
        return response.json().then(function (answer) {
          idle();
          if (editing !== current) return;
          if (answer.stale) {
            // Show what the message says now; Save again replaces it (knowingly).
            return fetch(current.url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
              .then(function (r) { return r.json(); })
              .then(function (fresh) {
                current.version = fresh.version;
                current.original = fresh.body;
                showCurrent(fresh.body);
                showError(text.staleLabel || answer.error);
                current.textarea.focus();
              });
          }
          showError(answer.error || text.failedLabel);
          current.textarea.focus();
        });
      })
      .catch(function () {
        idle();
        if (editing === current) showError(text.failedLabel || "");
      });
  }

  // The Edit item: capture phase, before anything else handles the click.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-edit]");
    if (!link || !log.contains(link) || event.button !== 0 || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    start(link);
  }, true);

  // Enter saves, Shift+Enter is a new line, Escape cancels (the mention list, when open, takes
  // these keys first: composer.js stops them before they get here).
  document.addEventListener("keydown", function (event) {
    if (!editing || event.target !== editing.textarea || event.isComposing) return;
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      event.preventDefault();
      stop();
    }
  });

  // A message being edited was replaced (someone reacted, or it was edited elsewhere): chat.js
  // swapped its node, so the editor, with what was typed, goes back into the new one.
  document.addEventListener("collab:event", function (event) {
    var data = event.detail || {};
    if (!editing || data.type !== "changed" || String(data.id) !== editing.id) return;
    var focused = document.activeElement === editing.textarea;
    if (!mount()) {
      editing.form.remove();
      editing = null;
      return;
    }
    if (focused) editing.textarea.focus();
  });
})();
