// Copies emoji-picker-element (and its emoji data) from node_modules into static/vendor, made
// to run under the portal's Content-Security-Policy (style-src 'self', no 'unsafe-inline').
//
// The component (1.29.x) styles its shadow root with a <style> element and sets a few layout
// values (grid columns, the tab indicator, row counts) with setAttribute("style", ...): a
// strict CSP blocks both. It has no option for that, so two lines are rewritten here, each
// checked (the build fails if an upgrade moved them, rather than shipping an unstyled picker):
// - the <style> element becomes a constructable stylesheet (adoptedStyleSheets; CSP does not
//   govern those), with the same CSS;
// - a "style" attribute is applied through the CSSOM (element.style.cssText), which CSP allows.
// Nothing else changes; the emoji data is served from our static files (dataSource), never
// from the component's default CDN.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const from = "node_modules/emoji-picker-element/";
const data = "node_modules/emoji-picker-element-data/";
const to = "static/vendor/emoji-picker-element/";
mkdirSync(to + "i18n", { recursive: true });

const rewrites = [
  [
    "const style = document.createElement('style');\n    style.textContent = baseStyles + EXTRA_STYLES;\n    this.shadowRoot.appendChild(style);",
    "const sheet = new CSSStyleSheet(); // CSP: no inline <style> (scripts/vendor-emoji-picker.mjs)\n    sheet.replaceSync(baseStyles + EXTRA_STYLES);\n    this.shadowRoot.adoptedStyleSheets = [sheet];",
  ],
  [
    "targetNode.setAttribute(attributeName, newValue);",
    "if (attributeName === 'style') targetNode.style.cssText = newValue; // CSP: no style attributes\n        else targetNode.setAttribute(attributeName, newValue);",
  ],
];
let picker = readFileSync(from + "picker.js", "utf8");
for (const [before, after] of rewrites) {
  if (picker.split(before).length !== 2) {
    console.error("vendor-emoji-picker: not found once in picker.js:\n" + before);
    process.exit(1);
  }
  picker = picker.replace(before, after);
}
writeFileSync(to + "picker.js", picker);
copyFileSync(from + "database.js", to + "database.js");
copyFileSync(from + "LICENSE", to + "LICENSE");
copyFileSync(from + "i18n/ru_RU.js", to + "i18n/ru_RU.js");
for (const lang of ["en", "ru"]) {
  mkdirSync(`${to}data/${lang}`, { recursive: true });
  copyFileSync(`${data}${lang}/emojibase/data.json`, `${to}data/${lang}/data.json`);
}
