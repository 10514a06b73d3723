/* The booking pages show times in the visitor's zone: the first visit without ?tz= reloads
   with the browser's zone (when the server guessed another); changing the select shows the
   times again. Without JavaScript the select and its button do the same. */
(function () {
  "use strict";
  var form = document.querySelector("[data-zone-picker]");
  if (!form) return;
  var select = form.querySelector("select[name=tz]");
  select.addEventListener("change", function () { form.submit(); });
  if (form.getAttribute("data-zone-given") === "1") return;
  var browser = "";
  try { browser = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
  // The server knows the zone's aliases (Chromium says "Asia/Calcutta" for Kolkata).
  if (!browser || browser === select.value) return;
  var url = new URL(window.location.href);
  url.searchParams.set("tz", browser);
  window.location.replace(url.toString());
})();
