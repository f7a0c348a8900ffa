// Search, filters and sorting for the compendium's tables (the claims ledger, sweeps, references).
// Plain script, no library, nothing loaded from elsewhere: it works from a file:// address.
(function () {
  "use strict";

  function number(text) {
    var value = parseFloat(text);
    return isNaN(value) ? null : value;
  }

  function compare(a, b) {
    var x = number(a), y = number(b);
    if (x !== null && y !== null) return x - y;
    if (x !== null) return -1;
    if (y !== null) return 1;
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function setUp(container) {
    var table = container.querySelector("table");
    if (!table || !table.tBodies.length) return;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var ledgerOrder = rows.slice();
    var controls = container.querySelector(".perumig-controls");
    var search = container.querySelector("[data-search]");
    var filters = Array.prototype.slice.call(container.querySelectorAll("[data-filter]"));
    var sortBy = container.querySelector("[data-sort-by]");
    var count = container.querySelector("[data-count]");
    var texts = new Map(rows.map(function (row) { return [row, row.textContent.toLowerCase()]; }));
    var pageSize = parseInt(container.getAttribute("data-page-size") || "0", 10);
    var limit = pageSize || Infinity;
    var more = container.querySelector(".perumig-more");
    if (controls) controls.hidden = false;
    var target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
    if (target && rows.indexOf(target) !== -1) limit = Infinity;  // a link to one claim shows it

    var query = new URLSearchParams(window.location.search);
    filters.forEach(function (select) {
      var wanted = query.get(select.getAttribute("data-filter"));
      if (wanted) select.value = wanted;
    });

    function apply() {
      var words = search ? search.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
      var matching = 0, shown = 0;
      Array.prototype.slice.call(body.rows).forEach(function (row) {
        var keep = words.every(function (word) { return texts.get(row).indexOf(word) !== -1; });
        filters.forEach(function (select) {
          if (select.value && row.getAttribute("data-" + select.getAttribute("data-filter")) !== select.value) keep = false;
        });
        if (keep) matching += 1;
        row.hidden = !keep || matching > limit;
        if (!row.hidden) shown += 1;
      });
      if (count) {
        count.textContent = (shown < matching ? shown + " shown of " : "") + matching + " of " + rows.length +
          " rows match";
      }
      if (more) more.hidden = shown >= matching;
    }

    function reorder(ordered) {
      ordered.forEach(function (row) { body.appendChild(row); });
      apply();
    }

    if (more) {
      more.querySelector("[data-more]").addEventListener("click", function () { limit += pageSize; apply(); });
      more.querySelector("[data-all]").addEventListener("click", function () { limit = Infinity; apply(); });
    }

    if (sortBy) {
      sortBy.addEventListener("change", function () {
        var key = sortBy.value;
        var ordered = ledgerOrder.slice();
        if (key) {
          ordered.sort(function (a, b) {
            var x = a.getAttribute("data-" + key) || "", y = b.getAttribute("data-" + key) || "";
            if (key === "difference") {
              if (x === "" || y === "") return (x === "") - (y === "");
              return number(y) - number(x);
            }
            return x.localeCompare(y);
          });
        }
        reorder(ordered);
      });
    }

    Array.prototype.slice.call(table.querySelectorAll("[data-sort-column]")).forEach(function (button) {
      button.addEventListener("click", function () {
        var column = parseInt(button.getAttribute("data-sort-column"), 10);
        var header = button.closest("th");
        var ascending = header.getAttribute("aria-sort") !== "ascending";
        Array.prototype.slice.call(table.querySelectorAll("th[aria-sort]")).forEach(function (th) {
          th.removeAttribute("aria-sort");
        });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var ordered = rows.slice().sort(function (a, b) {
          var x = a.cells[column], y = b.cells[column];
          var order = compare(x ? (x.getAttribute("data-value") || x.textContent) : "",
                              y ? (y.getAttribute("data-value") || y.textContent) : "");
          return ascending ? order : -order;
        });
        reorder(ordered);
      });
    });

    function restart() {
      limit = pageSize || Infinity;
      apply();
    }

    if (search) search.addEventListener("input", restart);
    filters.forEach(function (select) { select.addEventListener("change", restart); });
    apply();
    if (target && !target.hidden) target.scrollIntoView();
  }

  function start() {
    Array.prototype.slice.call(document.querySelectorAll(".perumig-interactive")).forEach(setUp);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
