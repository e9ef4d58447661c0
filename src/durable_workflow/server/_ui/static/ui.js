// Durable Workflow web UI helper (no dependencies, no build step):
// asks before submitting forms marked data-confirm, and refreshes the #live part of pages
// whose <body> has data-live="<milliseconds>" by fetching the same URL again.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  var every = parseInt(document.body.getAttribute("data-live") || "0", 10);
  if (!every) {
    return;
  }

  function openDetails(root) {
    var ids = [];
    root.querySelectorAll("li[id] > details[open]").forEach(function (d) {
      ids.push(d.parentNode.id);
    });
    return ids;
  }

  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    if (!doc.body.hasAttribute("data-live")) {
      window.location.reload(); // the workflow closed: show the final page (actions change too)
      return false;
    }
    var fresh = doc.getElementById("live");
    var here = document.getElementById("live");
    if (fresh && here) {
      var keep = openDetails(here);
      here.replaceWith(document.importNode(fresh, true));
      keep.forEach(function (id) {
        var li = document.getElementById(id);
        if (li && li.querySelector("details")) {
          li.querySelector("details").open = true;
        }
      });
    }
    return true;
  }

  function tick() {
    if (document.hidden) {
      return later();
    }
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { return html === null || swap(html); })
      .catch(function () { return true; })
      .then(function (goOn) { if (goOn) { later(); } });
  }

  function later() {
    window.setTimeout(tick, every);
  }

  later();
})();
