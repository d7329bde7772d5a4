// Runs inside the article panel. Badge clicks anywhere on the page (chat or sources panel)
// become a "click" event of this panel carrying {turn, n}; the server answers with the
// article, and whenever the article changes its highlighted span is scrolled into view.
window.__ndTrigger = trigger;
if (!window.__ndCiteListener) {
  window.__ndCiteListener = true;
  document.addEventListener("click", (ev) => {
    const a = ev.target && ev.target.closest ? ev.target.closest("a.nd-cite") : null;
    const m = a ? /nd-src-(\d+)-(\d+)/.exec(a.getAttribute("href") || "") : null;
    if (!m) return;
    ev.preventDefault();
    ev.stopPropagation();
    window.__ndTrigger("click", {turn: Number(m[1]), n: Number(m[2])});
  }, true);
}
// Scroll `target` into view inside its scrolling panel, and the panel into the window.
// A sticky header inside the panel is skipped, so it never covers the target.
const scrollWithin = (panel, target) => {
  if (!panel || !target) return;
  if (panel.scrollHeight > panel.clientHeight + 4) {
    const head = panel.querySelector(".nd-article-head");
    const t = target.getBoundingClientRect(), p = panel.getBoundingClientRect();
    panel.scrollTop += t.top - p.top - (head ? head.offsetHeight : 0) - 12;
    const q = panel.getBoundingClientRect();
    if (q.top < 0 || q.bottom > window.innerHeight) panel.scrollIntoView({block: "nearest"});
  } else {
    target.scrollIntoView({block: "center"});
  }
};
watch("value", () => {
  setTimeout(() => {
    scrollWithin(document.querySelector("#nd-sources"),
                 document.querySelector("#nd-sources .nd-active"));
    scrollWithin(element.closest("#nd-article") || element, element.querySelector("#nd-hl"));
  }, 30);
});
