"""The HTML of the class summary page: inline CSS and a script that draws tables and SVG charts from its data.

PAGE_TEMPLATE    "__TITLE__" is replaced by the escaped rubric title, "__DATA__" by summary.page_data as safe JSON

When its script is done, <body> says so for a headless browser to check: data-script-errors (empty, or the
messages window.onerror saw, joined by " | "), data-histogram-bars (bars drawn), data-students (student rows
drawn) and data-ready="true".
"""

PAGE_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>__TITLE__: class summary</title>
<style>
body { font: 14px/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 20px; color: #222; }
h1 { font-size: 21px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 26px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
table { border-collapse: collapse; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
th { background: #f4f5f7; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
a { color: #1a55b0; }
.problem { color: #a00000; }
.muted { color: #777; }
.staff { background: #fff8e6; border: 1px solid #e8d29a; padding: 2px 8px; border-radius: 4px; font-size: 12px; }
svg text { font: 11px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; fill: #333; }
.bar { fill: #5b8bd6; }
.rate-bg { fill: #f1d4d4; } .rate-fg { fill: #4f9a4f; }
.axis { stroke: #999; }
code { font: 12px Menlo, Consolas, "DejaVu Sans Mono", monospace; }
</style>
</head>
<body data-script-errors="" data-histogram-bars="0" data-students="0" data-ready="false">
<script>
(function () {  // first, so that it sees the errors of the drawing script below
  var errors = [];
  window.onerror = function (message) {
    errors.push(String(message));
    document.body.setAttribute("data-script-errors", errors.join(" | "));
  };
  window.addEventListener("unhandledrejection", function (e) { window.onerror(e.reason); });
})();
</script>
<noscript>This page draws itself with JavaScript; the same data is in grades.json and gradebook.csv.</noscript>
<h1 id="title"></h1>
<div id="overview"></div>
<h2>Score distribution</h2><div id="histogram"></div>
<h2>Pass rate per test</h2><div id="tests"></div>
<h2>Tests that fail most</h2><div id="failing"></div>
<h2>Slowest submissions</h2><div id="slowest"></div>
<h2>Students</h2><div id="students"></div>
<h2>Integrity findings <span class="staff">staff only: never scored</span></h2><div id="integrity"></div>
<h2>Near-identical pairs <span class="staff">staff only</span></h2><div id="similar"></div>
<script type="application/json" id="class-data">__DATA__</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("class-data").textContent);
  var NS = "http://www.w3.org/2000/svg";

  function el(tag, text, parent, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }
  function svg(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function pts(x) { return String(Math.round(x * 100) / 100); }
  function pct(part, whole) { return whole > 0 ? 100 * part / whole : 0; }
  // A table: header cells, then rows of cells; a cell is text, or a function that fills its <td>.
  function table(parent, headers, rows, numeric) {
    var t = el("table", null, parent), tr = el("tr", null, t);
    headers.forEach(function (h) { el("th", h, tr); });
    rows.forEach(function (row) {
      var r = el("tr", null, t);
      row.forEach(function (cell, i) {
        var td = el("td", null, r, numeric && numeric[i] ? "num" : "");
        if (typeof cell === "function") cell(td); else td.textContent = String(cell);
      });
    });
    return t;
  }
  function none(parent, text) { el("p", text, parent, "muted"); }

  var students = data.students, tests = data.tests;
  el("span", data.title, document.getElementById("title"));
  var graded = students.filter(function (s) { return !s.problem; });
  var mean = students.length ? students.reduce(function (a, s) { return a + pct(s.total, s.max); }, 0) /
      students.length : 0;
  el("p", students.length + " submissions: " + graded.length + " graded, " + (students.length - graded.length) +
     " could not be graded. Mean score " + mean.toFixed(1) + "%.", document.getElementById("overview"));

  // Score distribution: ten bins of the percentage (the last holds 100%), a bar for each bin that is not empty.
  var bins = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], bars = 0;
  students.forEach(function (s) { bins[Math.min(9, Math.floor(pct(s.total, s.max) / 10))] += 1; });
  var W = 36, H = 140, top = Math.max.apply(null, bins) || 1;
  var chart = svg("svg", { width: 10 * W + 50, height: H + 44, role: "img" }, document.getElementById("histogram"));
  svg("line", { x1: 30, y1: H + 10, x2: 30 + 10 * W, y2: H + 10, "class": "axis" }, chart);
  bins.forEach(function (count, i) {
    var x = 30 + i * W;
    svg("text", { x: x + 2, y: H + 24 }, chart).textContent = (i * 10) + "\u2013" + (i * 10 + 10);
    if (!count) return;
    var h = Math.max(2, H * count / top);
    var bar = svg("rect", { x: x + 3, y: H + 10 - h, width: W - 6, height: h, "class": "bar",
                            "data-bin": i, "data-count": count }, chart);
    svg("title", {}, bar).textContent = count + " submission(s) scored " + (i * 10) + "\u2013" + (i * 10 + 10) + "%";
    svg("text", { x: x + W / 2 - 4, y: H + 6 - h }, chart).textContent = count;
    bars += 1;
  });
  svg("text", { x: 30, y: H + 40 }, chart).textContent = "score, % of the maximum";
  document.body.setAttribute("data-histogram-bars", String(bars));

  // Pass rate per test, with a bar: green the passed share.
  table(document.getElementById("tests"), ["test", "passed / runs", "pass rate", ""], tests.map(function (t) {
    var rate = pct(t.passed, t.runs);
    return [t.test, t.passed + " / " + t.runs, t.runs ? rate.toFixed(1) + "%" : "-", function (td) {
      var s = svg("svg", { width: 160, height: 12 }, td);
      svg("rect", { x: 0, y: 1, width: 160, height: 10, "class": "rate-bg" }, s);
      svg("rect", { x: 0, y: 1, width: 1.6 * rate, height: 10, "class": "rate-fg" }, s);
    }];
  }), [false, true, true, false]);

  var worst = tests.filter(function (t) { return t.passed < t.runs; })
      .sort(function (a, b) { return (b.runs - b.passed) - (a.runs - a.passed) || (a.test < b.test ? -1 : 1); });
  if (worst.length) {
    table(document.getElementById("failing"), ["test", "failing runs", "submissions affected"],
          worst.slice(0, 10).map(function (t) { return [t.test, t.runs - t.passed, t.failed_students]; }),
          [false, true, true]);
  } else none(document.getElementById("failing"), "No test failed.");

  if (data.times) {
    var slow = students.filter(function (s) { return s.real_s > 0; })
        .sort(function (a, b) { return b.real_s - a.real_s; }).slice(0, 10);
    table(document.getElementById("slowest"), ["submission", "real seconds, all runs"],
          slow.map(function (s) { return [s.name, s.real_s.toFixed(1)]; }), [false, true]);
  } else none(document.getElementById("slowest"), "Run times were not given to the report.");

  table(document.getElementById("students"),
        ["student", "score", "%", "failing runs", "integrity findings"].concat(data.times ? ["real s"] : []),
        students.map(function (s) {
          var cells = [function (td) {
            var a = el("a", s.name, td);
            a.setAttribute("href", "feedback/" + encodeURIComponent(s.stem) + ".html");
            if (s.problem) el("div", "could not be graded: " + s.problem, td, "problem");
          }, pts(s.total) + " / " + pts(s.max), pct(s.total, s.max).toFixed(1), s.failed, s.findings.length];
          return data.times ? cells.concat([s.problem ? "-" : s.real_s.toFixed(1)]) : cells;
        }), [false, true, true, true, true, true]);
  var drawn = document.getElementById("students").querySelectorAll("tr").length - 1;  // less the header
  document.body.setAttribute("data-students", String(drawn));

  var flagged = students.filter(function (s) { return s.findings.length; });
  if (flagged.length) {
    table(document.getElementById("integrity"), ["submission", "findings (file:line what)"],
          flagged.map(function (s) {
            return [s.name, function (td) {
              s.findings.forEach(function (f) {
                el("code", f[0] + ":" + f[1] + "  " + f[2], el("div", null, td));
              });
            }];
          }));
  } else none(document.getElementById("integrity"), "No findings.");

  if (data.similar.length) {
    table(document.getElementById("similar"), ["submission", "submission", "similarity"],
          data.similar.slice().sort(function (a, b) { return b[2] - a[2]; })
              .map(function (p) { return [p[0], p[1], (100 * p[2]).toFixed(0) + "%"]; }), [false, false, true]);
  } else none(document.getElementById("similar"), "No near-identical pairs.");
  document.body.setAttribute("data-ready", "true");
})();
</script>
</body>
</html>
"""
