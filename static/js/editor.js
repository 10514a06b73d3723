// The built-in text editor (templates/files/editor.html); the page works without this.
// - An unsaved-changes guard: leaving with changed text asks first (beforeunload).
// - Ctrl+S / Cmd+S saves (the form's Save, or "Save over it" after a conflict).
// - The text is kept in localStorage while it differs from the saved version, under the file
//   and the version it was started from, so a crash or a closed tab loses nothing: the next
//   visit offers to restore it. A successful save (the page comes back with ?saved=N) drops it.
// - A notice when someone else saves a version meanwhile (the live "files" event).
// - One submit: the Save button is disabled once the form is sent (the server also makes one
//   version of a double submit).
(function () {
  "use strict";
  var section = document.querySelector("[data-editor]");
  var form = document.getElementById("editor-form");
  if (!section || !form) return;
  var textarea = form.querySelector("#editor-text");
  var save = form.querySelector("[data-editor-save]");
  var state = form.querySelector("[data-editor-state]");
  var labels = section.dataset;
  var key = labels.draftKey;
  var refused = section.hasAttribute("data-refused");
  var submitting = false;
  var timer = null;

  function store(action, value) {
    try {
      if (action === "set") window.localStorage.setItem(key, value);
      else if (action === "get") return window.localStorage.getItem(key);
      else window.localStorage.removeItem(value || key);
    } catch (e) {
      // Storage full or refused (private mode): the guard still protects the text.
    }
    return null;
  }

  function dirty() {
    // After a refused save the text on screen is not saved anywhere yet.
    return refused || textarea.value !== textarea.defaultValue;
  }

  function showState() {
    if (state) state.textContent = dirty() ? labels.unsavedLabel : "";
  }

  function keepDraft() {
    if (dirty()) store("set", textarea.value);
    else store("remove");
  }

  textarea.addEventListener("input", function () {
    showState();
    window.clearTimeout(timer);
    timer = window.setTimeout(keepDraft, 400);
  });

  window.addEventListener("beforeunload", function (event) {
    if (submitting || !dirty()) return;
    keepDraft();
    event.preventDefault();
    event.returnValue = "";
  });

  form.addEventListener("submit", function (event) {
    keepDraft();
    submitting = true;
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-editor-save")) {
      // After the form data is taken (a disabled button would not send its value).
      window.setTimeout(function () {
        submitter.disabled = true;
      }, 0);
    }
  });
  // Back from the browser's cache (the back button after a save): usable again.
  window.addEventListener("pageshow", function () {
    submitting = false;
    if (save) save.disabled = false;
  });

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      if (save && !save.disabled) form.requestSubmit(save);
    }
  });

  // The preview came (htmx): show it, below the text.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "editor-preview") {
      var box = event.detail.target.closest(".editor-preview-box") || event.detail.target;
      box.scrollIntoView({ block: "nearest" });
    }
  });

  // Someone else saved a version while this page is open (the collab's live connection,
  // live.js): say so now rather than at Save.
  var newer = section.querySelector("[data-editor-newer]");
  document.addEventListener("collab:event", function (event) {
    var frame = event.detail || {};
    if (submitting || !newer || frame.type !== "files" || frame.action !== "version") return;
    if (String(frame.file) !== labels.file) return;
    newer.textContent = labels.newerLabel;
    newer.hidden = false;
  });

  if (labels.savedKey) store("remove", labels.savedKey);

  function offerDraft(draft) {
    var box = document.createElement("div");
    box.className = "notice editor-draft";
    box.setAttribute("role", "status");
    var text = document.createElement("p");
    text.textContent = labels.draftLabel;
    var restore = document.createElement("button");
    restore.type = "button";
    restore.className = "btn btn-small btn-primary";
    restore.textContent = labels.restoreLabel;
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn btn-small";
    discard.textContent = labels.discardLabel;
    var actions = document.createElement("div");
    actions.className = "editor-draft-actions";
    actions.append(restore, discard);
    box.append(text, actions);
    form.parentNode.insertBefore(box, form);
    restore.addEventListener("click", function () {
      textarea.value = draft;
      box.remove();
      showState();
      textarea.focus();
    });
    discard.addEventListener("click", function () {
      store("remove");
      box.remove();
      textarea.focus();
    });
  }

  if (refused) {
    // The text the server refused is kept here at once.
    keepDraft();
  } else {
    var draft = store("get");
    if (draft !== null && draft !== textarea.value) offerDraft(draft);
  }
  showState();
})();
