// Review page: turn a selection in the source text into a new task row.
// Offsets are counted on the text content of #source, which is exactly the directive's text
// (labels are CSS generated content, not text), so they are the server's source offsets.
(function () {
  "use strict";
  var source = document.getElementById("source");
  var button = document.getElementById("add-selection");
  var startInput = document.getElementById("new-start");
  var endInput = document.getElementById("new-end");
  var info = document.getElementById("selection-info");
  if (!source || !button) { return; }

  function offsetOf(node, offset) {
    var range = document.createRange();
    range.setStart(source, 0);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  function update() {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) { return; }
    var range = sel.getRangeAt(0);
    if (!source.contains(range.startContainer) || !source.contains(range.endContainer)) { return; }
    var start = offsetOf(range.startContainer, range.startOffset);
    var end = offsetOf(range.endContainer, range.endOffset);
    var text = source.textContent.slice(start, end);
    // trim surrounding whitespace so the span is the sentence itself
    var lead = text.length - text.replace(/^\s+/, "").length;
    var trail = text.length - text.replace(/\s+$/, "").length;
    start += lead; end -= trail;
    if (end <= start) { return; }
    startInput.value = String(start);
    endInput.value = String(end);
    var shown = source.textContent.slice(start, end);
    info.textContent = "Đã chọn: “" + (shown.length > 80 ? shown.slice(0, 80) + "…" : shown) + "”";
    button.disabled = false;
  }

  document.addEventListener("selectionchange", update);
  source.addEventListener("mouseup", update);
  source.addEventListener("keyup", update);
})();
