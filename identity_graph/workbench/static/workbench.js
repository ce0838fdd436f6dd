// identity-graph workbench: keyboard shortcuts of the review queue, and the person graph's edge
// links. No inline script anywhere (the pages' Content-Security-Policy allows only files from
// the workbench itself).
//
// In the review queue, a, r and k press Accept, Reject and Keep apart on the item that holds
// the focus (the first item when the focus is elsewhere). Inside a text box the same keys
// need Alt (so typing a reason is never taken for a decision). A decision without a reason is
// not sent: the reason box gets the focus and the browser says why.
(function () {
  "use strict";

  function itemOf(el) {
    return el && el.closest ? el.closest("[data-review-item]") : null;
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.repeat) return;
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
    if (typing && !event.altKey) return;
    if (!typing && event.altKey) return;
    var key = (event.key || "").toLowerCase();
    if (key !== "a" && key !== "r" && key !== "k") return;
    var item = itemOf(target) || document.querySelector("[data-review-item]");
    if (!item) return;
    var button = item.querySelector('button[data-key="' + key + '"]');
    if (!button) return;
    event.preventDefault();
    var form = button.form;
    var reason = form.querySelector('input[name="reason"]');
    if (reason && !reason.value.trim()) {
      reason.focus();
      reason.reportValidity();
      return;
    }
    form.requestSubmit(button);
  }

  document.addEventListener("keydown", onKey);
  document.addEventListener("focusin", function (event) {
    document.querySelectorAll("[data-review-item].active").forEach(function (el) { el.classList.remove("active"); });
    var item = itemOf(event.target);
    if (item) item.classList.add("active");
  });
})();

// On the person page, a similarity edge drawn in the graph links to its waterfall; with htmx
// loaded, the waterfall opens in the evidence panel instead of a page of its own (each edge
// also has an Evidence button in the table under the graph: the keyboard's way).
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a.graph-edge") : null;
    var panel = document.getElementById("evidence-panel");
    if (!link || !panel || !window.htmx || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    window.htmx.ajax("GET", link.getAttribute("href"), { target: "#evidence-panel", swap: "innerHTML" });
  });
})();
