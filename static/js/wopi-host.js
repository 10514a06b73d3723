// The WOPI host page (templates/files/wopi/edit.html): open the office server's editor in the
// page's iframe by posting the access token to it as soon as the page loads. The form's button
// is for a browser without JavaScript; with it the button is not needed and is hidden.
(function () {
  "use strict";
  function open() {
    var form = document.querySelector("form[data-wopi-form]");
    if (!form) return;
    var button = form.querySelector("button[type=submit]");
    if (button) button.hidden = true;
    form.submit();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", open);
  } else {
    open();
  }
})();
