"""The timeline page's JavaScript (tester.timeline.page inlines it): canvas drawing, zoom, pan, hover, logs.

SCRIPT    the script; it reads the JSON of tester.timeline.model.page_data from #timeline-data

Level of detail: with at most ARROW_LIMIT RPCs in view every RPC is an arrow (request, reply, drops); with more, each
lane shows how many messages it sent per few pixels (a density strip) until the user zooms in. Everything is drawn
from columns with binary searches on send time, so a 100,000-RPC run redraws in milliseconds.
"""

SCRIPT = r"""
(function () {
"use strict";
var T0 = performance.now();
var D = JSON.parse(document.getElementById("timeline-data").textContent);
var ARROW_LIMIT = 4000, LOG_TICK_LIMIT = 3000, LABEL_W = 64, AXIS_H = 18, FAULT_H = 16, CHECK_H = 22;
var SERVER_H = 38, CLERK_H = 16;
var ROLE_FILL = ["#eef1f5", "#ffe39a", "#b9e3bb"], ROLE_NAME = ["follower", "candidate", "leader"];
var GROUP_FILL = ["rgba(60,130,220,0.55)", "rgba(220,120,30,0.6)", "rgba(40,160,80,0.6)", "rgba(160,60,200,0.6)"];
var FATES = ["reply", "unreachable", "request dropped", "reply dropped", "server died", "caller killed"];
var stats = window.timelineStats = {lanes: D.lanes.length, rpcs: 0, arrowsDrawn: 0, mode: "", checks: D.checks.length,
  failingCheck: "", failingMessage: "", ops: D.ops.t0.length, badOps: 0, logLines: D.logs.t.length,
  bands: D.bands.lane.length, renderMs: 0, openMs: 0};

// --- the RPC columns, decoded once: absolute send times, and per-method colours
var R = D.rpc, N = R.t.length, send = new Float64Array(N), acc = 0, maxSpan = 0;
for (var i = 0; i < N; i++) {
  acc += R.t[i]; send[i] = acc;
  if (R.r[i] === -2) R.r[i] = R.e[i];   // (the reply left the server as the caller got it: stored once)
  var span = Math.max(R.d[i], R.e[i], R.r[i]); if (span > maxSpan) maxSpan = span;
}
stats.rpcs = N;
var methodColor = D.methods.map(function (m) {
  var low = m.toLowerCase();
  if (m.indexOf("Raft.") !== 0) return "#0b8f8f";
  if (low.indexOf("vote") >= 0) return "#7b4fd6";
  if (low.indexOf("snapshot") >= 0) return "#e07b00";
  if (low.indexOf("append") >= 0 || low.indexOf("heartbeat") >= 0) return "#2f6fd0";
  return "#666";
});
var failing = null;
D.checks.forEach(function (c) { if (c.failing) failing = c; });
if (failing) { stats.failingCheck = failing.name; stats.failingMessage = failing.message; }
for (var b = 0; b < D.ops.bad.length; b++) stats.badOps += D.ops.bad[b];

// --- lanes and rows
var lanes = D.lanes.map(function (name, k) { return {name: name, server: name.charAt(0) === "S", k: k}; });
var top = AXIS_H + FAULT_H + CHECK_H, y = top;
lanes.forEach(function (l) { l.y = y; l.h = l.server ? SERVER_H : CLERK_H; y += l.h; });
var HEIGHT = y + 4;
function mid(k) { return k < 0 ? top - 4 : lanes[k].y + lanes[k].h / 2; }

// --- the view: [v0, v1] in microseconds
var END = Math.max(D.end, 1), v0 = 0, v1 = END;
var main = document.getElementById("main"), over = document.getElementById("overview");
var ctx = main.getContext("2d"), octx = over.getContext("2d"), W = 800, OW = 800, dpr = window.devicePixelRatio || 1;
function xOf(t) { return LABEL_W + (t - v0) / (v1 - v0) * (W - LABEL_W); }
function tOf(x) { return v0 + (x - LABEL_W) / (W - LABEL_W) * (v1 - v0); }
function secs(us) { return (us / 1e6).toFixed(3) + " s"; }
function lowerBound(arr, n, value) { var lo = 0, hi = n; while (lo < hi) { var m = (lo + hi) >> 1;
  if (arr[m] < value) lo = m + 1; else hi = m; } return lo; }
function setView(a, b) {
  var width = Math.max(b - a, 200);
  if (width > END * 1.05) width = END * 1.05;
  a = Math.max(-END * 0.025, Math.min(a, END * 1.025 - width));
  v0 = a; v1 = a + width; schedule();
  shareView();
}
var shareTimer = null;
function shareView() {  // the view in the address bar (#t=A-B), so that it can be bookmarked or sent
  clearTimeout(shareTimer);
  shareTimer = setTimeout(function () {
    try { history.replaceState(null, "", "#t=" + (v0 / 1e6).toFixed(4) + "-" + (v1 / 1e6).toFixed(4)); }
    catch (e) { /* a page opened where the address cannot change: nothing to share */ }
  }, 300);
}

// --- drawing
var targets = [], cursor = null, pending = false;
function schedule() { if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; draw(); }); } }
function size() {
  W = main.clientWidth || 800; OW = over.clientWidth || 800;
  main.style.height = HEIGHT + "px";
  main.width = W * dpr; main.height = HEIGHT * dpr; over.width = OW * dpr; over.height = 46 * dpr;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0); octx.setTransform(dpr, 0, 0, dpr, 0, 0);
}
function spanRect(t0, t1, yy, h, fill) {
  var a = Math.max(xOf(t0), LABEL_W), z = Math.min(xOf(t1), W);
  if (z <= a) return false;
  ctx.fillStyle = fill; ctx.fillRect(a, yy, Math.max(z - a, 1), h); return true;
}
function hatch(a, z, yy, h, color) {
  ctx.save(); ctx.beginPath(); ctx.rect(a, yy, z - a, h); ctx.clip(); ctx.strokeStyle = color; ctx.lineWidth = 1;
  ctx.beginPath(); for (var x = a - h; x < z; x += 6) { ctx.moveTo(x, yy + h); ctx.lineTo(x + h, yy); }
  ctx.stroke(); ctx.restore();
}
function draw() {
  var started = performance.now();
  targets = [];
  ctx.clearRect(0, 0, W, HEIGHT);
  drawAxis(); drawLanes(); drawFaults(); drawMarks(); drawOps(); drawLogTicks();
  var n = drawRpcs(); drawChecks();
  if (cursor !== null && cursor >= v0 && cursor <= v1) {
    ctx.strokeStyle = "#d40000"; ctx.setLineDash([4, 3]); ctx.beginPath();
    ctx.moveTo(xOf(cursor), AXIS_H); ctx.lineTo(xOf(cursor), HEIGHT); ctx.stroke(); ctx.setLineDash([]);
  }
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, LABEL_W, HEIGHT);
  ctx.fillStyle = "#333"; ctx.font = "bold 11px sans-serif";
  lanes.forEach(function (l) { ctx.fillText(l.name, 6, l.y + l.h / 2 + 4); });
  ctx.font = "10px sans-serif"; ctx.fillStyle = "#777";
  ctx.fillText("faults", 6, AXIS_H + 12); ctx.fillText("checks", 6, AXIS_H + FAULT_H + 15);
  drawOverview(); showLogs();
  document.getElementById("where").textContent = secs(v0) + " – " + secs(v1) + " (" + n + " RPCs in view, " +
    (stats.mode === "arrows" ? "each drawn" : "zoom in to see each RPC") + ")";
  report(performance.now() - started);
}
function drawAxis() {
  var span = (v1 - v0) / 1e6, step = Math.pow(10, Math.floor(Math.log10(span / 8)));
  if (span / step > 16) step *= 5; else if (span / step > 8) step *= 2;
  ctx.font = "10px sans-serif"; ctx.fillStyle = "#666"; ctx.strokeStyle = "#e4e4e4";
  for (var s = Math.ceil(v0 / 1e6 / step) * step; s <= v1 / 1e6; s += step) {
    var x = xOf(s * 1e6); ctx.beginPath(); ctx.moveTo(x, AXIS_H - 4); ctx.lineTo(x, HEIGHT); ctx.stroke();
    ctx.fillText((+s.toFixed(6)) + " s", x + 2, 11);
  }
}
function drawLanes() {
  lanes.forEach(function (l) { ctx.fillStyle = l.server ? "#fafafa" : "#fdfdfd"; ctx.fillRect(LABEL_W, l.y, W, l.h);
    ctx.strokeStyle = "#ddd"; ctx.beginPath(); ctx.moveTo(0, l.y + l.h); ctx.lineTo(W, l.y + l.h); ctx.stroke(); });
  var B = D.bands; ctx.font = "10px sans-serif";
  for (var i = 0; i < B.lane.length; i++) {
    if (B.t1[i] < v0 || B.t0[i] > v1) continue;
    var l = lanes[B.lane[i]];
    if (spanRect(B.t0[i], B.t1[i], l.y + 6, l.h - 12, ROLE_FILL[B.role[i]])) {
      var a = Math.max(xOf(B.t0[i]), LABEL_W), z = Math.min(xOf(B.t1[i]), W);
      targets.push({kind: "band", i: i, x0: a, x1: z, y0: l.y + 6, y1: l.y + l.h - 6});
      if (z - a > 26) { ctx.fillStyle = "#556"; ctx.fillText("T" + (B.term[i] < 0 ? "?" : B.term[i]), a + 3, l.y + 16); }
    }
  }
}
function drawFaults() {
  D.faults.forEach(function (f, i) {
    if (f.t1 < v0 || f.t0 > v1) return;
    var a = Math.max(xOf(f.t0), LABEL_W), z = Math.min(xOf(f.t1), W);
    if (f.kind === "unreliable" || f.kind === "long_reordering") {
      var yy = AXIS_H + (f.kind === "unreliable" ? 1 : 8);
      ctx.fillStyle = f.kind === "unreliable" ? "rgba(220,60,60,0.35)" : "rgba(150,80,220,0.35)";
      ctx.fillRect(a, yy, Math.max(z - a, 1), 6);
      targets.push({kind: "fault", i: i, x0: a, x1: z, y0: yy, y1: yy + 6});
      return;
    }
    f.lanes.forEach(function (k) {
      if (k < 0) return;
      var l = lanes[k];
      if (f.kind === "down") { ctx.fillStyle = "#555"; ctx.fillRect(a, l.y + 2, Math.max(z - a, 1), l.h - 4); }
      else if (f.kind === "group" && f.alone || f.kind === "clerk") hatch(a, z, l.y, l.h, "rgba(210,60,60,0.45)");
      else if (f.kind === "group") { ctx.fillStyle = GROUP_FILL[f.group % 4]; ctx.fillRect(a, l.y + 1, z - a, 4); }
      targets.push({kind: "fault", i: i, x0: a, x1: z, y0: l.y, y1: l.y + l.h});
    });
    if (f.kind === "group" && f.group === 0) {
      ctx.fillStyle = "rgba(60,60,60,0.15)"; ctx.fillRect(a, AXIS_H + 1, Math.max(z - a, 1), FAULT_H - 3);
      if (z - a > 80) { ctx.fillStyle = "#444"; ctx.font = "10px sans-serif"; ctx.fillText(f.text, a + 2, AXIS_H + 11); }
      targets.push({kind: "fault", i: i, x0: a, x1: z, y0: AXIS_H, y1: AXIS_H + FAULT_H});
    }
  });
}
function drawMarks() {
  var M = D.marks, from = lowerBound(M.t, M.t.length, v0), to = lowerBound(M.t, M.t.length, v1 + 1);
  if (to - from > 20000) return;
  for (var i = from; i < to; i++) {
    var l = lanes[M.lane[i]], x = xOf(M.t[i]), kind = M.kinds[M.kind[i]];
    if (kind === "apply") { ctx.fillStyle = "#1d6b2a"; ctx.fillRect(x, l.y + l.h - 6, 1.5, 5); }
    else if (kind === "start" || kind === "crash") {
      ctx.fillStyle = kind === "start" ? "#1a8f3a" : "#000"; ctx.font = "bold 12px sans-serif";
      ctx.fillText(kind === "start" ? "▶" : "✕", x - 4, l.y + l.h / 2 + 4);
    } else { ctx.fillStyle = "#e07b00"; ctx.beginPath(); ctx.moveTo(x, l.y + l.h - 11); ctx.lineTo(x + 4, l.y + l.h - 6);
      ctx.lineTo(x, l.y + l.h - 1); ctx.lineTo(x - 4, l.y + l.h - 6); ctx.fill(); }
    targets.push({kind: "mark", i: i, x0: x - 4, x1: x + 4, y0: l.y + l.h - 12, y1: l.y + l.h});
  }
}
function drawOps() {
  var O = D.ops, kinds = ["#cfe3fb", "#d9f2d0", "#f9e6c2", "#eee"];
  for (var i = 0; i < O.t0.length; i++) {
    if (O.t1[i] < v0 || O.t0[i] > v1 || O.lane[i] < 0) continue;
    var l = lanes[O.lane[i]], a = Math.max(xOf(O.t0[i]), LABEL_W), z = Math.max(Math.min(xOf(O.t1[i]), W), a + 2);
    ctx.fillStyle = O.bad[i] ? "#f6a0a0" : kinds[O.kind[i]]; ctx.fillRect(a, l.y + 2, z - a, l.h - 4);
    ctx.strokeStyle = O.bad[i] ? "#c40000" : O.err[i] ? "#a33" : "#6b7d99"; ctx.lineWidth = O.bad[i] ? 2 : 0.7;
    ctx.strokeRect(a, l.y + 2, z - a, l.h - 4); ctx.lineWidth = 1;
    targets.push({kind: "op", i: i, x0: a, x1: z, y0: l.y, y1: l.y + l.h});
  }
}
function drawLogTicks() {
  var L = D.logs, from = lowerBound(L.t, L.t.length, v0), to = lowerBound(L.t, L.t.length, v1 + 1);
  if (to - from > LOG_TICK_LIMIT) return;
  for (var i = from; i < to; i++) {
    if (L.lane[i] < 0 || !topicOn[L.topic[i]]) continue;
    var l = lanes[L.lane[i]], x = xOf(L.t[i]);
    ctx.fillStyle = topicColor(L.topic[i]); ctx.fillRect(x, l.y + 1, 1.5, 5);
  }
}
function arrow(x0, y0, x1, y1, color, dashed, head) {
  ctx.strokeStyle = color; ctx.setLineDash(dashed ? [3, 3] : []); ctx.beginPath(); ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1); ctx.stroke(); ctx.setLineDash([]);
  if (head) { var ang = Math.atan2(y1 - y0, x1 - x0); ctx.fillStyle = color; ctx.beginPath(); ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - 6 * Math.cos(ang - 0.4), y1 - 6 * Math.sin(ang - 0.4));
    ctx.lineTo(x1 - 6 * Math.cos(ang + 0.4), y1 - 6 * Math.sin(ang + 0.4)); ctx.fill(); }
}
function cross(x, yy) { ctx.fillStyle = "#c40000"; ctx.font = "bold 11px sans-serif"; ctx.fillText("✕", x - 4, yy + 4); }
function drawRpcs() {
  var from = lowerBound(send, N, v0 - maxSpan), to = lowerBound(send, N, v1 + 1), visible = 0, i;
  for (i = from; i < to; i++) if (send[i] >= v0 || send[i] + Math.max(R.e[i], R.d[i]) >= v0) visible++;
  stats.arrowsDrawn = 0;
  if (visible > ARROW_LIMIT) { stats.mode = "density"; drawDensity(lowerBound(send, N, v0), to); return visible; }
  stats.mode = "arrows"; ctx.lineWidth = 1;
  for (i = from; i < to; i++) {
    var t = send[i], end = t + Math.max(R.e[i], R.d[i]);
    if (end < v0 && t < v0) continue;
    var ys = mid(R.f[i]), yo = mid(R.o[i]), x0 = xOf(t), color = methodColor[R.m[i]], k = R.k[i];
    if (R.d[i] >= 0) {
      arrow(x0, ys, xOf(t + R.d[i]), yo, color, false, true); stats.arrowsDrawn++;
      targets.push({kind: "rpc", i: i, seg: [x0, ys, xOf(t + R.d[i]), yo]});
    } else if (k === 2) {
      var xm = xOf(t + (R.e[i] >= 0 ? R.e[i] : 5000)), ym = (ys + yo) / 2;
      arrow(x0, ys, xm, ym, "#c40000", false, false); cross(xm, ym); stats.arrowsDrawn++;
      targets.push({kind: "rpc", i: i, seg: [x0, ys, xm, ym]});
    } else if (k === 1) {
      var xu = xOf(t + 3000); arrow(x0, ys, xu, ys + (yo > ys ? 6 : -6), "#999", true, false); stats.arrowsDrawn++;
      targets.push({kind: "rpc", i: i, seg: [x0, ys, xu, ys]});
    }
    if (R.r[i] >= 0 && R.d[i] >= 0) {
      var xr = xOf(t + R.r[i]);
      if (k === 0) { var xe = xOf(t + R.e[i]); arrow(xr, yo, xe, ys, color, true, true);
        targets.push({kind: "rpc", i: i, seg: [xr, yo, xe, ys]}); }
      else { var yh = (ys + yo) / 2; arrow(xr, yo, xr + 4, yh, "#c40000", true, false); cross(xr + 4, yh);
        targets.push({kind: "rpc", i: i, seg: [xr, yo, xr + 4, yh]}); }
    }
    if (k !== 0 && k !== 5 && R.e[i] >= 0) {
      var xn = xOf(t + R.e[i]); ctx.fillStyle = "#c40000"; ctx.font = "11px sans-serif"; ctx.fillText("∅", xn - 3, ys + 4);
      targets.push({kind: "rpc", i: i, seg: [xn - 3, ys, xn + 3, ys]});
    }
  }
  return visible;
}
function drawDensity(from, to) {
  var BIN = 3, nb = Math.ceil((W - LABEL_W) / BIN) + 1, counts = lanes.map(function () { return new Uint32Array(nb); });
  var peak = 1;
  for (var i = from; i < to; i++) {
    if (R.f[i] < 0) continue;
    var bin = Math.floor((xOf(send[i]) - LABEL_W) / BIN), c = counts[R.f[i]];
    if (bin >= 0 && bin < nb && ++c[bin] > peak) peak = c[bin];
  }
  lanes.forEach(function (l, k) {
    var c = counts[k];
    for (var bin = 0; bin < nb; bin++) {
      if (!c[bin]) continue;
      var h = Math.max(2, (l.h - 8) * Math.sqrt(c[bin] / peak));
      ctx.fillStyle = "rgba(47,111,208,0.75)"; ctx.fillRect(LABEL_W + bin * BIN, l.y + l.h - 4 - h, BIN - 0.5, h);
      targets.push({kind: "bin", lane: k, n: c[bin], x0: LABEL_W + bin * BIN, x1: LABEL_W + (bin + 1) * BIN,
        y0: l.y, y1: l.y + l.h});
    }
  });
}
function drawChecks() {
  var yy = AXIS_H + FAULT_H;
  D.checks.forEach(function (c, i) {
    if (c.t1 < v0 || c.t0 > v1) return;
    var a = xOf(c.t0), z = Math.max(xOf(c.t1), a + 1), color = c.failing ? "#c40000" : c.failed ? "#e06060" : "#4a6a90";
    ctx.fillStyle = color; ctx.globalAlpha = 0.35; ctx.fillRect(a, yy + 14, z - a, 4); ctx.globalAlpha = 1;
    ctx.beginPath(); ctx.moveTo(a, yy + 3); ctx.lineTo(a + 5, yy + 13); ctx.lineTo(a - 5, yy + 13); ctx.fill();
    if (c.failing) { var xf = xOf(D.failed_at !== null ? D.failed_at : c.t1);
      ctx.strokeStyle = "#c40000"; ctx.lineWidth = 2; ctx.beginPath(); ctx.moveTo(xf, yy); ctx.lineTo(xf, HEIGHT);
      ctx.stroke(); ctx.lineWidth = 1; ctx.font = "bold 11px sans-serif";
      var text = "✗ " + c.label + ": " + c.message.split("\n")[0], width = ctx.measureText(text).width;
      ctx.fillText(text, xf + 4 + width > W ? Math.max(LABEL_W, xf - 4 - width) : xf + 4, yy + 12); }
    targets.push({kind: "check", i: i, x0: a - 5, x1: Math.max(z, a + 5), y0: yy, y1: yy + CHECK_H});
  });
}
var overviewBins = null;
function drawOverview() {
  octx.clearRect(0, 0, OW, 46);
  var sx = function (t) { return t / END * OW; };
  if (!overviewBins || overviewBins.length !== OW) {
    overviewBins = new Uint32Array(Math.max(OW, 1));
    for (var i = 0; i < N; i++) overviewBins[Math.min(OW - 1, Math.floor(send[i] / END * OW))]++;
  }
  var peak = 1; for (var b = 0; b < OW; b++) if (overviewBins[b] > peak) peak = overviewBins[b];
  D.faults.forEach(function (f) { if (f.kind === "unreliable" || f.kind === "group" && f.group === 0 || f.kind === "down") {
    octx.fillStyle = f.kind === "unreliable" ? "rgba(220,60,60,0.15)" : f.kind === "down" ? "rgba(0,0,0,0.12)" :
      "rgba(60,130,220,0.12)"; octx.fillRect(sx(f.t0), 0, Math.max(sx(f.t1) - sx(f.t0), 1), 46); } });
  octx.fillStyle = "#6a8fc8";
  for (b = 0; b < OW; b++) if (overviewBins[b]) { var h = 40 * overviewBins[b] / peak; octx.fillRect(b, 44 - h, 1, h); }
  D.checks.forEach(function (c) { if (c.failing) { octx.fillStyle = "#c40000"; octx.fillRect(sx(c.t0) - 1, 0, 3, 46); } });
  octx.strokeStyle = "#222"; octx.lineWidth = 1.5;
  octx.strokeRect(sx(v0), 1, Math.max(sx(v1) - sx(v0), 2), 44);
}

// --- hover
var tip = document.getElementById("tip");
function describe(h) {
  var i = h.i;
  if (h.kind === "rpc") {
    var t = send[i], lines = [D.methods[R.m[i]] + "  " + (R.f[i] >= 0 ? D.lanes[R.f[i]] : "?") + " → " +
      (R.o[i] >= 0 ? D.lanes[R.o[i]] : "no server") + "  (" + FATES[R.k[i]] + ")",
      "sent " + secs(t) + (R.d[i] >= 0 ? ", delivered " + secs(t + R.d[i]) : "") +
      (R.e[i] >= 0 ? ", caller got " + (R.k[i] === 0 ? "the reply" : "None") + " at " + secs(t + R.e[i]) : "")];
    lines.push(i >= D.details_from ? D.details[i - D.details_from] : "(arguments not kept: see the notes above)");
    return lines.join("\n");
  }
  if (h.kind === "band") { var B = D.bands; return D.lanes[B.lane[i]] + ": " + ROLE_NAME[B.role[i]] + " in term " +
    (B.term[i] < 0 ? "? (not seen yet)" : B.term[i]) + "\n" + secs(B.t0[i]) + " – " + secs(B.t1[i]) +
    "\n(inferred from the RPCs it sent and received and the harness's get_state calls)"; }
  if (h.kind === "fault") { var f = D.faults[i]; return f.text + "\n" + secs(f.t0) + " – " + secs(f.t1); }
  if (h.kind === "mark") { var M = D.marks, kind = M.kinds[M.kind[i]];
    return D.lanes[M.lane[i]] + " " + (kind === "apply" ? "applied index " + M.index[i] : kind === "start" ?
      "started (a new incarnation)" : kind === "crash" ? "crashed" : "snapshot " + kind + " at index " + M.index[i]) +
      " at " + secs(M.t[i]); }
  if (h.kind === "op") { var O = D.ops; return D.lanes[O.lane[i]] + "  " + O.text[i] + "\n" + secs(O.t0[i]) + " – " +
    secs(O.t1[i]) + (O.bad[i] ? "\nNOT LINEARIZABLE: the linearizability check cannot place this operation" : "") +
    (O.err[i] ? "\n" + O.err[i] : ""); }
  if (h.kind === "check") { var c = D.checks[i]; return c.label + (c.result ? " → " + c.result : "") +
    "\n" + secs(c.t0) + " – " + secs(c.t1) + (c.message ? "\n" + c.message : ""); }
  if (h.kind === "bin") return h.n + " RPCs sent by " + D.lanes[h.lane] + " here: zoom in to see each";
  return "";
}
function distance(seg, x, yy) {
  var dx = seg[2] - seg[0], dy = seg[3] - seg[1], len = dx * dx + dy * dy;
  var u = len ? Math.max(0, Math.min(1, ((x - seg[0]) * dx + (yy - seg[1]) * dy) / len)) : 0;
  return Math.hypot(seg[0] + u * dx - x, seg[1] + u * dy - yy);
}
function hit(x, yy) {
  var best = null, bestD = 5;
  for (var j = targets.length - 1; j >= 0; j--) {
    var h = targets[j];
    if (h.seg) { var d = distance(h.seg, x, yy); if (d < bestD) { best = h; bestD = d; } }
    else if (!best && x >= h.x0 && x <= h.x1 && yy >= h.y0 && yy <= h.y1) best = h;
  }
  return best;
}
main.addEventListener("mousemove", function (e) {
  var r = main.getBoundingClientRect(), x = e.clientX - r.left, yy = e.clientY - r.top;
  if (drag) { var dt = (drag.x - x) / (W - LABEL_W) * (drag.v1 - drag.v0); setView(drag.v0 + dt, drag.v1 + dt);
    tip.style.display = "none"; return; }
  var h = hit(x, yy);
  if (!h) { tip.style.display = "none"; return; }
  tip.textContent = describe(h); tip.style.display = "block";
  tip.style.left = Math.min(e.clientX + 14, window.innerWidth - 660) + "px"; tip.style.top = (e.clientY + 14) + "px";
});
main.addEventListener("mouseleave", function () { tip.style.display = "none"; });
var drag = null;
main.addEventListener("mousedown", function (e) { var r = main.getBoundingClientRect();
  drag = {x: e.clientX - r.left, v0: v0, v1: v1}; main.classList.add("dragging"); });
window.addEventListener("mouseup", function () { drag = null; main.classList.remove("dragging"); });
main.addEventListener("wheel", function (e) {
  e.preventDefault();
  var r = main.getBoundingClientRect(), x = Math.max(e.clientX - r.left, LABEL_W), at = tOf(x);
  var f = Math.exp(e.deltaY * 0.0015);
  setView(at - (at - v0) * f, at + (v1 - at) * f);
}, {passive: false});
function overviewAt(e) { var r = over.getBoundingClientRect(), at = (e.clientX - r.left) / OW * END, w = v1 - v0;
  setView(at - w / 2, at + w / 2); }
var overDrag = false;
over.addEventListener("mousedown", function (e) { overDrag = true; overviewAt(e); });
window.addEventListener("mousemove", function (e) { if (overDrag) overviewAt(e); });
window.addEventListener("mouseup", function () { overDrag = false; });

// --- logs
var topicOn = D.logs.topics.map(function () { return true; });
var PALETTE = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  "#ff7f0e"];
function topicColor(k) { return PALETTE[k % PALETTE.length]; }
var topicsBox = document.getElementById("topics");
D.logs.topics.forEach(function (name, k) {
  var label = document.createElement("label"), box = document.createElement("input");
  box.type = "checkbox"; box.checked = true;
  box.addEventListener("change", function () { topicOn[k] = box.checked; schedule(); });
  label.appendChild(box); label.appendChild(document.createTextNode(" " + name)); label.style.color = topicColor(k);
  topicsBox.appendChild(label);
});
var filterBox = document.getElementById("logfilter");
filterBox.addEventListener("input", schedule);
var logsBox = document.getElementById("logs"), shownLogs = "";
function showLogs() {
  var L = D.logs, from = lowerBound(L.t, L.t.length, v0), to = lowerBound(L.t, L.t.length, v1 + 1);
  var needle = filterBox.value.toLowerCase(), rows = [], count = 0;
  for (var i = from; i < to; i++) {
    if (!topicOn[L.topic[i]] || needle && ((L.lane[i] >= 0 ? D.lanes[L.lane[i]] : "tester") + " " +
        L.text[i]).toLowerCase().indexOf(needle) < 0) continue;
    count++; if (rows.length < 600) rows.push(i);
  }
  document.getElementById("logcount").textContent = count + (count > rows.length ? " (first " + rows.length + " shown)" : "");
  var key = from + ":" + to + ":" + count + ":" + needle + ":" + topicOn.join();
  if (key === shownLogs) return;
  shownLogs = key; logsBox.textContent = "";
  rows.forEach(function (i) {
    var div = document.createElement("div"), peer = L.lane[i] >= 0 ? D.lanes[L.lane[i]] : "tester";
    div.textContent = (L.t[i] / 1e6).toFixed(3).padStart(9) + " " + peer.padEnd(6) + " " +
      L.topics[L.topic[i]].padEnd(8) + " " + L.text[i];
    div.style.color = topicColor(L.topic[i]);
    div.addEventListener("click", function () { cursor = L.t[i]; schedule(); });
    logsBox.appendChild(div);
  });
}

// --- header, buttons, fragment
document.getElementById("title").textContent = D.title;
var verdict = document.getElementById("verdict");
verdict.textContent = D.passed ? "PASS" : "FAIL"; verdict.className = "verdict " + (D.passed ? "v-pass" : "v-fail");
document.getElementById("summary").textContent = D.lanes.length + " lanes, " + N + " RPCs, " + D.checks.length +
  " checks, " + D.ops.t0.length + " clerk operations, " + D.logs.t.length + " log lines, " + secs(D.end) + " virtual";
if (D.message) { var box = document.getElementById("message"); box.hidden = false; box.textContent = D.message; }
var meta = [];
if (!D.isolated) meta.push("<b style=\"color:#a00\">NOT isolated</b> (--in-process: student code ran in the " +
                           "tester's process);");
if (D.replay) meta.push("replay: <code></code>");
document.getElementById("meta").innerHTML = meta.join(" ");
if (D.replay) document.querySelector("#meta code").textContent = D.replay + " --html FILE";
document.getElementById("notes").textContent = D.notes.length ? "Note: " + D.notes.join("; ") + "." : "";
if (D.history_href) { var link = document.getElementById("history"); link.hidden = false;
  link.href = D.history_href + (stats.badOps ? "#first-error" : ""); }
function jumpToFailure() {
  // a history that is not linearizable: its first illegal operation is the failure to look at
  var bad = D.ops.bad.indexOf(1);
  if (bad >= 0) { var o0 = D.ops.t0[bad], o1 = D.ops.t1[bad], w = Math.max((o1 - o0) * 3, 5e5);
    cursor = o0; setView(o0 - w, o1 + w); return; }
  if (!failing) return;
  var at = D.failed_at !== null ? D.failed_at : failing.t1, a = Math.min(failing.t0, at);
  var pad = Math.max((at - a) * 0.3, 1.5e6);
  cursor = at; setView(a - pad, at + pad * 0.5);
}
var jump = document.getElementById("jump");
if (!failing) jump.style.display = "none";
jump.addEventListener("click", jumpToFailure);
document.getElementById("fit").addEventListener("click", function () { setView(0, END); });
window.addEventListener("resize", function () { size(); overviewBins = null; schedule(); });
function report(ms) {
  stats.renderMs = Math.round(performance.now() - T0);
  stats.openMs = Math.round(performance.now());   // since the navigation began: reading the file, parsing, drawing
  var body = document.body, attrs = {"data-lanes": stats.lanes, "data-rpcs": stats.rpcs,
    "data-arrows-drawn": stats.arrowsDrawn, "data-mode": stats.mode, "data-checks": stats.checks,
    "data-failing-check": stats.failingCheck, "data-ops": stats.ops, "data-bad-ops": stats.badOps,
    "data-log-lines": stats.logLines, "data-bands": stats.bands, "data-render-ms": stats.renderMs,
    "data-draw-ms": Math.round(ms), "data-open-ms": stats.openMs, "data-rendered": "1"};
  for (var name in attrs) body.setAttribute(name, attrs[name]);
}
size();
var frag = location.hash.slice(1);
try { frag = decodeURIComponent(frag); } catch (e) { frag = ""; }  // a malformed fragment: the whole run
var m = /^t=([\d.]+)-([\d.]+)$/.exec(frag);
if (frag === "failure") jumpToFailure();
else if (m && parseFloat(m[2]) > parseFloat(m[1])) setView(parseFloat(m[1]) * 1e6, parseFloat(m[2]) * 1e6);
pending = true; draw(); pending = false;
})();
"""
