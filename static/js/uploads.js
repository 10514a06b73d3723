/* Sending files to the chat: the paperclip's "Upload files", dropping files on the chat and
   pasting them into the composer. Each file goes in its own request (one message per file,
   sent when its upload ends), one after another, with a progress bar and a cancel button; a
   file over the limit or empty is refused before anything is sent. The message reaches the
   page over the socket like any other. Without this script the paperclip's item is a page
   with a file form (apps/files/chat_views.py). */
(function () {
  "use strict";

  var script = document.currentScript;
  var chat = document.getElementById("chat");
  var composer = document.getElementById("composer");
  if (!script || !chat || !composer) return;
  var cfg = script.dataset;
  var url = cfg.chatUpload;
  var maxBytes = parseInt(cfg.maxBytes, 10) || 0;

  var tray = null;
  var queue = [];
  var current = null;

  function say(template, name) {
    return template.replace("{name}", name);
  }

  function csrfToken() {
    var input = composer.querySelector('input[name="csrfmiddlewaretoken"]');
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
    composer.parentNode.insertBefore(tray, composer);
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
    data.append("client_id", clientId());
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
      next();
    }
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 300) {
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

  // Dropping files anywhere on the chat.
  var depth = 0;
  function hasFiles(e) {
    return e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, "Files") >= 0;
  }
  chat.setAttribute("data-drop-label", cfg.dropLabel);
  chat.addEventListener("dragenter", function (e) {
    if (!hasFiles(e)) return;
    depth += 1;
    chat.classList.add("is-dropping");
  });
  chat.addEventListener("dragleave", function () {
    depth = Math.max(0, depth - 1);
    if (!depth) chat.classList.remove("is-dropping");
  });
  chat.addEventListener("dragover", function (e) {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  });
  chat.addEventListener("drop", function (e) {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    chat.classList.remove("is-dropping");
    if (e.dataTransfer.files.length) send(e.dataTransfer.files);
  });

  // Pasting a file (a screenshot) into the composer.
  var box = document.getElementById("composer-body");
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
