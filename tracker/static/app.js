// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Buttons that ask for confirmation: <button data-confirm="...">
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
  });
  // Auto-submit selects in filter forms: <select data-autosubmit>
  document.addEventListener("change", function (ev) {
    if (ev.target.matches("select[data-autosubmit]") && ev.target.form) { ev.target.form.submit(); }
  });
})();
// Date fields typed the Vietnamese way: <input class="vn-date" data-datepicker> gets a small
// month calendar that writes DD/MM/YYYY (no native mm/dd/yyyy widget). Typing still works:
// the server also reads ISO dates and phrases such as "cuối tháng 3".
(function () {
  "use strict";
  var MONTHS = ["Tháng 1", "Tháng 2", "Tháng 3", "Tháng 4", "Tháng 5", "Tháng 6", "Tháng 7", "Tháng 8",
                "Tháng 9", "Tháng 10", "Tháng 11", "Tháng 12"];
  var DAYS = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"];
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  var fmt = function (d) { return pad(d.getDate()) + "/" + pad(d.getMonth() + 1) + "/" + d.getFullYear(); };
  function read(value) {
    var m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec((value || "").trim());
    if (m) { return new Date(+m[3], +m[2] - 1, +m[1]); }
    m = /^(\d{4})-(\d{2})-(\d{2})$/.exec((value || "").trim());
    if (m) { return new Date(+m[1], +m[2] - 1, +m[3]); }
    return null;
  }
  var open = null;
  function close() { if (open) { open.box.remove(); open = null; } }
  function render(input, month) {
    close();
    var box = document.createElement("div");
    box.className = "datepicker";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", "Chọn ngày");
    var head = document.createElement("div");
    head.className = "dp-head";
    var prev = document.createElement("button"), next = document.createElement("button");
    prev.type = next.type = "button";
    prev.textContent = "‹"; next.textContent = "›";
    prev.setAttribute("aria-label", "Tháng trước"); next.setAttribute("aria-label", "Tháng sau");
    var title = document.createElement("span");
    title.textContent = MONTHS[month.getMonth()] + " " + month.getFullYear();
    head.append(prev, title, next);
    box.appendChild(head);
    var grid = document.createElement("div");
    grid.className = "dp-grid";
    DAYS.forEach(function (d) { var s = document.createElement("span"); s.textContent = d; grid.appendChild(s); });
    var first = new Date(month.getFullYear(), month.getMonth(), 1);
    for (var i = 0; i < (first.getDay() + 6) % 7; i++) { grid.appendChild(document.createElement("span")); }
    var days = new Date(month.getFullYear(), month.getMonth() + 1, 0).getDate();
    for (var d = 1; d <= days; d++) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = d;
      b.dataset.date = fmt(new Date(month.getFullYear(), month.getMonth(), d));
      grid.appendChild(b);
    }
    box.appendChild(grid);
    box.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
    box.addEventListener("click", function (ev) {
      var t = ev.target;
      if (t === prev) { render(input, new Date(month.getFullYear(), month.getMonth() - 1, 1)); return; }
      if (t === next) { render(input, new Date(month.getFullYear(), month.getMonth() + 1, 1)); return; }
      if (t.dataset && t.dataset.date) {
        input.value = t.dataset.date;
        input.dispatchEvent(new Event("change", {bubbles: true}));
        close();
      }
    });
    input.insertAdjacentElement("afterend", box);
    open = {box: box, input: input};
  }
  document.addEventListener("focusin", function (ev) {
    var input = ev.target;
    if (input.matches && input.matches("input[data-datepicker]")) {
      if (!open || open.input !== input) { render(input, read(input.value) || new Date()); }
    } else if (open && !open.box.contains(input)) { close(); }
  });
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { close(); } });
  document.addEventListener("click", function (ev) {
    if (open && ev.target !== open.input && !open.box.contains(ev.target)) { close(); }
  });
})();
