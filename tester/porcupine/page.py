"""The HTML page of visualize.py: inline CSS and JavaScript drawing SVG, no external assets.

PAGE_TEMPLATE    the page; "__TITLE__" is replaced by the escaped title and "__DATA__" by visualize.page_data as JSON
ERROR_CATCHER    the first script of a page (this one and tester.timeline's): it notes every script error in the body's
                 data-script-errors attribute, which the tests read in headless Chromium
"""

ERROR_CATCHER = r"""<script>
(function () {  // first, so that it sees errors of the drawing script below
  var errors = [];
  window.__noteError = function (message) {
    errors.push(String(message));
    document.body.setAttribute("data-script-errors", errors.join(" | "));
  };
  window.addEventListener("error", function (e) { window.__noteError(e.message || e); });
  window.addEventListener("unhandledrejection", function (e) { window.__noteError(e.reason); });
})();
</script>"""

PAGE_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>__TITLE__</title>
<style>
body { font: 14px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 16px; color: #222; }
h1 { font-size: 20px; margin: 0 0 6px; }
h2 { font-size: 15px; margin: 0 0 4px; }
a { color: #1a55b0; cursor: pointer; }
.verdict { font-weight: bold; padding: 1px 8px; border-radius: 4px; }
.v-ok { background: #d6efd6; color: #145214; }
.v-illegal { background: #f8cfcf; color: #8a1010; }
.v-unknown { background: #f5eac4; color: #6a5200; }
.legend, .summary { margin: 6px 0; }
.legend > span { margin-right: 16px; white-space: nowrap; }
.swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid #555; vertical-align: -2px;
          margin-right: 4px; }
.summary a { margin-right: 10px; }
section { margin: 18px 0; }
.track { display: flex; border: 1px solid #ddd; background: #fff; }
.scroll { overflow-x: auto; flex: 1; }
.labels { flex: none; border-right: 1px solid #ddd; }
svg text { font: 11px Menlo, Consolas, "DejaVu Sans Mono", monospace; }
.row-bg { fill: #f7f8fa; }
.client { fill: #555; }
.op rect { fill: #eaf1fb; stroke: #56709c; stroke-width: 1; }
.op text { fill: #1d2a40; pointer-events: none; }
.op.in-lp rect { fill: #d4d4d4; stroke: #444; }
.op.bad rect { fill: #f6b3b3; stroke: #c40000; stroke-width: 2; }
.op.selected rect { stroke-width: 3; }
.lp { stroke: #555; stroke-width: 2.5; }
.lp-bad { stroke: #d40000; stroke-width: 2.5; stroke-dasharray: 4 3; }
.lp-num { fill: #444; font-size: 9px; }
.note line { stroke: #c06c00; stroke-width: 1.5; stroke-dasharray: 6 3; }
.note rect { fill: #ff9f1a; opacity: 0.13; }
.note text { fill: #8a4b00; }
.axis text { fill: #777; font-size: 10px; }
.axis line { stroke: #bbb; }
#tip { position: fixed; display: none; max-width: 520px; background: #fffff0; border: 1px solid #999;
       padding: 6px 8px; font: 12px Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-all;
       box-shadow: 2px 2px 6px rgba(0,0,0,.2); pointer-events: none; z-index: 10; }
select { font-size: 12px; }
</style>
</head>
<body data-script-errors="" data-rendered-ops="0">
__ERROR_CATCHER__
<h1 id="title"></h1>
<div id="verdict-line"></div>
<div class="legend">
  <span><span class="swatch" style="background:#eaf1fb"></span>operation (call to return)</span>
  <span><span class="swatch" style="background:#d4d4d4"></span>Valid LP: in the shown partial linearization</span>
  <span><span class="swatch" style="background:#f6b3b3;border-color:#c40000"></span>Invalid LP: cannot be
    linearized</span>
  <span><span class="swatch" style="background:#ffe2b8;border-color:#c06c00"></span>annotation (fault)</span>
  <a id="jump">[ jump to first error ]</a>
</div>
<div class="summary" id="summary"></div>
<div id="parts"></div>
<div id="tip"></div>
<script type="application/json" id="history-data">__DATA__</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("history-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var ROW = 28, BOX = 20, LEFT = 12, LABELS = 84, GAP = 14, TIE = 5, CHAR = 6.7, PAD = 5, MAXCH = 44, NOTE_ROW = 14;
  var tip = document.getElementById("tip");
  var views = [], sticky = null, rendered = 0;
  var VERDICT = { ok: "linearizable", illegal: "not linearizable", unknown: "unknown (the time budget ran out)" };

  function svg(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function html(tag, text, parent, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(t) { return Number.isInteger(t) ? String(t) : String(+t.toFixed(4)); }
  function clip(s, n) { return n <= 0 ? "" : s.length > n ? s.slice(0, Math.max(n - 1, 0)) + "\u2026" : s; }
  function noteText(a) { return (a.peer !== null && a.peer !== undefined ? "peer " + a.peer + ": " : "") + a.text; }
  function partVerdict(p) { return p.ok === true ? "ok" : p.ok === false ? "illegal" : "unknown"; }

  function showTip(evt, lines) {
    tip.textContent = "";
    lines.forEach(function (l) { html("div", l, tip); });
    tip.style.display = "block";
    var x = Math.min(evt.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    var y = evt.clientY + 16;
    if (y + tip.offsetHeight > window.innerHeight) y = evt.clientY - tip.offsetHeight - 10;
    tip.style.left = Math.max(x, 0) + "px";
    tip.style.top = Math.max(y, 0) + "px";
  }
  function hideTip() { tip.style.display = "none"; }

  // Warped time: every call, return and annotation gets its own x, a fixed gap apart (a small one for equal
  // times), and a box is stretched until its description fits, so short operations stay readable.
  function layout(p) {
    var pts = [];
    p.ops.forEach(function (op, i) { pts.push([op.call, 1, i, "c"], [op.ret, 2, i, "r"]); });
    data.annotations.forEach(function (a, j) {
      pts.push([a.time, 0, j, "a"]);
      if (a.end !== null && a.end !== undefined) pts.push([a.end, 0, j, "e"]);
    });
    pts.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; });
    var L = { call: [], ret: [], note: [], noteEnd: [], ticks: [] }, x = 0, prev = null;
    pts.forEach(function (pt, k) {
      if (k > 0) x += pt[0] === prev ? TIE : GAP;
      if (pt[3] === "r") x = Math.max(x, L.call[pt[2]] + Math.min(p.ops[pt[2]].desc.length, MAXCH) * CHAR + 2 * PAD);
      ({ c: L.call, r: L.ret, a: L.note, e: L.noteEnd })[pt[3]][pt[2]] = x;
      if (pt[3] !== "a" && pt[3] !== "e") L.ticks.push([x, pt[0]]);
      prev = pt[0];
    });
    L.width = x;
    return L;
  }

  function renderPartition(p, pi) {
    var sec = html("section", null, document.getElementById("parts"));
    sec.id = "part-" + pi;
    var head = html("h2", "Partition " + (pi + 1) + (p.label ? " (" + p.label + ")" : "") + ": ", sec);
    html("span", VERDICT[partVerdict(p)], head, "verdict v-" + partVerdict(p));
    html("span", "  " + p.ops.length + " operations  ", head);
    var pick = html("select", null, head);
    var none = p.partials.length ? "show a partial linearization\u2026" : "no partial linearization";
    html("option", none, pick).value = -1;
    p.partials.forEach(function (seq, k) {
      html("option", "#" + (k + 1) + ": " + seq.length + " of " + p.ops.length + " operations", pick).value = k;
    });
    pick.addEventListener("change", function () {
      var k = +pick.value;
      select(k < 0 ? null : { pi: pi, op: null, partial: k });
    });
    var track = html("div", null, sec, "track");
    var labels = svg("svg", { width: LABELS, "class": "labels" }, track);  // stays put while the rows scroll
    var scroll = html("div", null, track, "scroll");
    var L = layout(p);
    var clients = Array.from(new Set(p.ops.map(function (o) { return o.client; })));
    clients.sort(function (a, b) { return a - b; });
    var rowOf = {};
    clients.forEach(function (c, r) { rowOf[c] = r; });
    // annotation labels go on stacked lines above the rows so that close ones do not overlap
    var levels = [], noteLevel = [];
    data.annotations.forEach(function (a, j) {
      var x0 = L.note[j], w = noteText(a).length * CHAR + 8, lv = 0;
      while (levels[lv] !== undefined && levels[lv] > x0) lv++;
      levels[lv] = x0 + w;
      noteLevel[j] = lv;
    });
    var top = levels.length * NOTE_ROW + 8, rowsH = clients.length * ROW, height = top + rowsH + 26;
    var width = LEFT + L.width + 30 + (levels.length ? 200 : 0);
    var root = svg("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height }, scroll);
    root.addEventListener("click", function () { select(null); });
    labels.setAttribute("height", height);
    clients.forEach(function (c, r) {
      if (r % 2 === 0) {
        svg("rect", { x: 0, y: top + r * ROW, width: width, height: ROW, "class": "row-bg" }, root);
        svg("rect", { x: 0, y: top + r * ROW, width: LABELS, height: ROW, "class": "row-bg" }, labels);
      }
      svg("text", { x: 6, y: top + r * ROW + ROW / 2 + 4, "class": "client" }, labels).textContent = "client " + c;
    });
    var axis = svg("g", { "class": "axis" }, root), lastTick = -1e9;
    svg("line", { x1: LEFT, x2: LEFT + L.width, y1: top + rowsH + 4, y2: top + rowsH + 4 }, axis);
    L.ticks.forEach(function (t) {
      if (t[0] - lastTick < 80) return;
      lastTick = t[0];
      svg("line", { x1: LEFT + t[0], x2: LEFT + t[0], y1: top + rowsH + 1, y2: top + rowsH + 8 }, axis);
      svg("text", { x: LEFT + t[0] + 2, y: top + rowsH + 20 }, axis).textContent = fmt(t[1]);
    });
    data.annotations.forEach(function (a, j) {
      var g = svg("g", { "class": "note" }, root), x = LEFT + L.note[j];
      if (L.noteEnd[j] !== undefined) svg("rect", { x: x, y: top, width: L.noteEnd[j] - L.note[j], height: rowsH }, g);
      svg("line", { x1: x, x2: x, y1: noteLevel[j] * NOTE_ROW + 2, y2: top + rowsH }, g);
      if (L.noteEnd[j] !== undefined) {
        var xe = LEFT + L.noteEnd[j];
        svg("line", { x1: xe, x2: xe, y1: top, y2: top + rowsH }, g);
      }
      svg("text", { x: x + 3, y: noteLevel[j] * NOTE_ROW + 12 }, g).textContent = noteText(a);
      g.addEventListener("mousemove", function (e) {
        var span = a.end !== null && a.end !== undefined ? " until " + fmt(a.end) : "";
        showTip(e, [noteText(a), "at " + fmt(a.time) + span]);
      });
      g.addEventListener("mouseleave", hideTip);
    });
    var boxes = p.ops.map(function (op, i) {
      var g = svg("g", { "class": "op" + (p.error && p.error.op === i ? " bad" : ""), "data-op": i }, root);
      var x = LEFT + L.call[i], w = Math.max(L.ret[i] - L.call[i], 3), y = top + rowsOf(op) * ROW + (ROW - BOX) / 2;
      svg("rect", { x: x, y: y, width: w, height: BOX, rx: 2 }, g);
      var fits = Math.floor((w - 2 * PAD + 1) / CHAR);
      svg("text", { x: x + PAD, y: y + BOX / 2 + 4 }, g).textContent = clip(op.desc, fits);
      g.addEventListener("mouseenter", function () { if (!sticky) show({ pi: pi, op: i, partial: p.largest[i] }); });
      g.addEventListener("mousemove", function (e) { showTip(e, describe(p, i)); });
      g.addEventListener("mouseleave", function () { hideTip(); if (!sticky) show(null); });
      g.addEventListener("click", function (e) {
        e.stopPropagation();
        select({ pi: pi, op: i, partial: p.largest[i] });
      });
      rendered++;
      return g;
    });
    function rowsOf(op) { return rowOf[op.client]; }
    var lpLayer = svg("g", {}, root);
    return { p: p, L: L, boxes: boxes, lpLayer: lpLayer, top: top, rowOf: rowOf, scroll: scroll, pick: pick };
  }

  function describe(p, i) {
    var op = p.ops[i], lines = [op.desc, "client " + op.client + ", call " + fmt(op.call) + ", return " + fmt(op.ret)];
    if (p.error && p.error.op === i) {
      lines.push("cannot be linearized: it must take effect by its return, but in state " + p.error.state +
                 " (after the longest partial linearization found) no pending operation can take effect");
      lines.push("state before: " + p.error.state);
      return lines;
    }
    var k = p.largest[i];
    if (k < 0) { lines.push("in no partial linearization the search found"); return lines; }
    var seq = p.partials[k], at = seq.findIndex(function (e) { return e[0] === i; });
    lines.push("#" + (at + 1) + " of partial linearization #" + (k + 1) +
               " (" + seq.length + " of " + p.ops.length + " ops)");
    lines.push("state before: " + (at > 0 ? seq[at - 1][1] : p.initial));
    lines.push("state after:  " + seq[at][1]);
    return lines;
  }

  function show(sel) {
    views.forEach(function (v) {
      v.lpLayer.textContent = "";
      v.boxes.forEach(function (b) { b.classList.remove("in-lp", "selected"); });
    });
    if (!sel) return;
    var v = views[sel.pi], p = v.p;
    if (sel.op !== null) v.boxes[sel.op].classList.add("selected");
    if (sel.partial === null || sel.partial < 0) return;
    var seq = p.partials[sel.partial], last = -1e9;
    seq.forEach(function (e, n) {  // linearization points: in order, each inside its own box
      var op = p.ops[e[0]], lo = v.L.call[e[0]] + 2, hi = Math.max(v.L.ret[e[0]] - 2, lo);
      var x = LEFT + Math.min(Math.max(last + 4, lo), hi), y = v.top + v.rowOf[op.client] * ROW;
      last = x - LEFT;
      v.boxes[e[0]].classList.add("in-lp");
      svg("line", { x1: x, x2: x, y1: y + 2, y2: y + ROW - 2, "class": "lp" }, v.lpLayer);
      svg("text", { x: x + 2, y: y + 8, "class": "lp-num" }, v.lpLayer).textContent = String(n + 1);
    });
    if (p.error && sel.partial === 0) {
      var bad = p.error.op, bx = LEFT + v.L.ret[bad] - 1, by = v.top + v.rowOf[p.ops[bad].client] * ROW;
      svg("line", { x1: bx, x2: bx, y1: by, y2: by + ROW, "class": "lp-bad" }, v.lpLayer);
    }
  }

  function select(sel) {
    sticky = sel;
    views.forEach(function (v, pi) { v.pick.value = sel && sel.pi === pi && sel.partial !== null ? sel.partial : -1; });
    show(sel);
  }

  try {
    document.getElementById("title").textContent = data.title;
    var vl = document.getElementById("verdict-line");
    html("span", VERDICT[data.result], vl, "verdict v-" + data.result);
    var nops = data.partitions.reduce(function (s, p) { return s + p.ops.length; }, 0);
    html("span", "  " + nops + " operations in " + data.partitions.length + " partition(s), " +
         data.annotations.length + " annotation(s). Hover an operation for its states; click to keep it.", vl);
    var summary = document.getElementById("summary");
    if (data.partitions.length > 1) data.partitions.forEach(function (p, pi) {
      var a = html("a", "#" + (pi + 1) + (p.label ? " " + p.label : "") + ": " + partVerdict(p), summary);
      a.href = "#part-" + pi;
    });
    data.partitions.forEach(function (p, pi) { views.push(renderPartition(p, pi)); });
    var firstBad = data.partitions.findIndex(function (p) { return p.error; });
    var jump = document.getElementById("jump");
    if (firstBad < 0) { jump.textContent = "(no error to jump to)"; jump.removeAttribute("href"); }
    jump.addEventListener("click", jumpToFirstError);
    if (location.hash === "#first-error") jumpToFirstError();
    function jumpToFirstError() {
      if (firstBad < 0) return;
      var v = views[firstBad], bad = v.p.error.op;
      select({ pi: firstBad, op: bad, partial: v.p.partials.length ? 0 : null });
      v.scroll.parentNode.parentNode.scrollIntoView();
      v.scroll.scrollLeft = Math.max(LEFT + v.L.call[bad] - v.scroll.clientWidth / 2, 0);
    }
    document.body.setAttribute("data-rendered-ops", String(rendered));
    document.body.setAttribute("data-rendered-partitions", String(views.length));
  } catch (err) {
    window.__noteError(err && err.stack ? err.stack : err);
  }
})();
</script>
</body>
</html>
"""

PAGE_TEMPLATE = PAGE_TEMPLATE.replace("__ERROR_CATCHER__", ERROR_CATCHER)   # the catcher first, before any drawing
