/* Uploading files with a progress bar per file and a cancel button, one file per request,
   one after another; a file over the limit or empty is refused before anything is sent.

   On the chat page (the script's data-chat-upload): the paperclip's "Upload files", files
   dropped on the chat and pasted into the composer are sent to the chat, each as its own
   message (it reaches the page over the socket like any other). Without this script the
   paperclip's item is a page with a file form (apps/files/chat_views.py).

   On the Files section (a .files-section with data-upload-url): its upload form and files
   dropped on the section go into the folder shown; the listing is loaded again when they are
   in, and whenever the collab's files change (the "files" live event). Without this script
   the form posts as it is. */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script) return;
  var cfg = script.dataset;
  var section = document.querySelector(".files-section[data-upload-url]");
  var chat = document.getElementById("chat");
  var composer = document.getElementById("composer");
  var inChat = Boolean(cfg.chatUpload && chat && composer);
  if (!inChat && !section) return;
  var zone = inChat ? chat : section;
  var url = inChat ? cfg.chatUpload : section.dataset.uploadUrl;
  var maxBytes = parseInt(inChat ? cfg.maxBytes : section.dataset.maxBytes, 10) || 0;
  var form = inChat ? composer : section.querySelector("form.upload-form");

  var tray = null;
  var queue = [];
  var current = null;
  var stored = false;

  // The Files section's listing, loaded again (the same URL: folder, sort, view, search).
  var reloading = null;
  function reloadListing() {
    stored = false;
    if (inChat) return;
    var listing = document.getElementById("files-listing");
    if (!listing || reloading) return;
    reloading = window.setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("files-listing");
          if (fresh) listing.replaceChildren.apply(listing, Array.prototype.slice.call(fresh.childNodes));
        })
        .catch(function () { /* the next change or a reload shows it */ })
        .finally(function () { reloading = null; });
    }, 250);
  }
  if (!inChat) {
    document.addEventListener("collab:event", function (e) {
      if (e.detail && e.detail.type === "files" && !current && !queue.length) reloadListing();
    });
  }

  function say(template, name) {
    return template.replace("{name}", name);
  }

  function csrfToken() {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function clientId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function ensureTray() {
    if (tray) return tray;
    tray = document.createElement("ul");
    tray.className = "upload-tray";
    tray.id = "upload-tray";
    tray.setAttribute("aria-label", cfg.uploadingLabel);
    tray.setAttribute("aria-live", "polite");
    if (inChat) {
      composer.parentNode.insertBefore(tray, composer);
    } else {
      var bar = section.querySelector(".files-bar");
      section.insertBefore(tray, bar || null);
    }
    return tray;
  }

  function removeItem(item) {
    item.el.remove();
    if (tray && !tray.children.length) {
      tray.remove();
      tray = null;
    }
  }

  function showError(item, text) {
    item.el.classList.add("is-failed");
    item.bar.remove();
    item.status.textContent = text;
    item.status.setAttribute("role", "alert");
    item.button.setAttribute("aria-label", cfg.dismissLabel);
    item.button.title = cfg.dismissLabel;
    item.failed = true;
  }

  function makeItem(file) {
    var el = document.createElement("li");
    el.className = "upload-item";
    var name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.className = "upload-progress";
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    var status = document.createElement("span");
    status.className = "upload-status";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-small btn-icon upload-cancel";
    button.textContent = "×";
    button.setAttribute("aria-label", say(cfg.cancelLabel, file.name));
    button.title = say(cfg.cancelLabel, file.name);
    el.append(name, bar, status, button);
    var item = { file: file, el: el, bar: bar, status: status, button: button, xhr: null };
    button.addEventListener("click", function () {
      if (item.xhr) item.xhr.abort();
      var at = queue.indexOf(item);
      if (at >= 0) queue.splice(at, 1);
      removeItem(item);
    });
    ensureTray().appendChild(el);
    return item;
  }

  function next() {
    if (current || !queue.length) return;
    current = queue.shift();
    var item = current;
    var data = new FormData();
    data.append("file", item.file, item.file.name);
    if (inChat) data.append("client_id", clientId());
    else data.append("folder", section.dataset.folder || "");
    var xhr = new XMLHttpRequest();
    item.xhr = xhr;
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) item.bar.value = Math.round((e.loaded / e.total) * 100);
    });
    function done() {
      item.xhr = null;
      current = null;
      if (!queue.length && stored) reloadListing();
      next();
    }
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 300) {
        stored = true;
        removeItem(item);
      } else {
        var text = say(cfg.failed, item.file.name);
        try {
          text = JSON.parse(xhr.responseText).error || text;
        } catch (err) {
          /* not JSON: a proxy's error page; the general message stands */
        }
        showError(item, text);
      }
      done();
    });
    xhr.addEventListener("error", function () {
      showError(item, say(cfg.failed, item.file.name));
      done();
    });
    xhr.addEventListener("abort", done);
    xhr.send(data);
  }

  function send(files) {
    Array.prototype.forEach.call(files, function (file) {
      var item = makeItem(file);
      if (maxBytes && file.size > maxBytes) {
        showError(item, say(cfg.tooLarge, file.name));
      } else if (file.size === 0) {
        showError(item, say(cfg.empty, file.name));
      } else {
        queue.push(item);
      }
    });
    next();
  }

  if (inChat) {
    // The paperclip's "Upload files": the file chooser instead of the form page.
    var chooser = document.createElement("input");
    chooser.type = "file";
    chooser.multiple = true;
    chooser.hidden = true;
    chooser.setAttribute("aria-hidden", "true");
    chooser.tabIndex = -1;
    composer.appendChild(chooser);
    chooser.addEventListener("change", function () {
      if (chooser.files.length) send(chooser.files);
      chooser.value = "";
    });
    document.addEventListener("click", function (e) {
      var link = e.target.closest('[data-behaviour="upload-files"]');
      if (!link) return;
      e.preventDefault();
      var menu = link.closest("details");
      if (menu) menu.open = false;
      chooser.click();
    });
  } else if (form) {
    // The section's upload form: its files go with progress bars instead of one post.
    form.addEventListener("submit", function (e) {
      var input = form.querySelector('input[type="file"]');
      if (!input || !input.files.length) return;
      e.preventDefault();
      send(input.files);
      input.value = "";
    });
  }

  // Dropping files anywhere on the chat or the section.
  var depth = 0;
  function hasFiles(e) {
    return e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, "Files") >= 0;
  }
  zone.setAttribute("data-drop-label", cfg.dropLabel);
  zone.addEventListener("dragenter", function (e) {
    if (!hasFiles(e)) return;
    depth += 1;
    zone.classList.add("is-dropping");
  });
  zone.addEventListener("dragleave", function () {
    depth = Math.max(0, depth - 1);
    if (!depth) zone.classList.remove("is-dropping");
  });
  zone.addEventListener("dragover", function (e) {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  });
  zone.addEventListener("drop", function (e) {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    zone.classList.remove("is-dropping");
    if (e.dataTransfer.files.length) send(e.dataTransfer.files);
  });

  // Pasting a file (a screenshot) into the composer.
  var box = inChat && document.getElementById("composer-body");
  if (box) {
    box.addEventListener("paste", function (e) {
      var files = e.clipboardData && e.clipboardData.files;
      if (files && files.length) {
        e.preventDefault();
        send(files);
      }
    });
  }
})();
