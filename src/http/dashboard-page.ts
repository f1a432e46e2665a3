/**
 * The dashboard: one self-contained HTML page. Its inline script fetches `api/report` (the same
 * JSON as `boomerang report --json`) and draws every campaign: its funnel as the node graph (boxes
 * with counts, arrows with yes/no labels, the ways out), revenue per day, treated vs held-out with
 * the uplift intervals, messages, coupons and low coupon pools. Counts link to the Temporal Web UI.
 * Below them, "model health" fetches `api/model-health` (the backtest of `boomerang model backtest`)
 * and draws predicted against actual purchases by repeat purchases in calibration.
 *
 * Nothing is loaded from anywhere else (no CDN, no web fonts, no images): the Content-Security-Policy
 * allows only this page's own script and style (by hash) and requests to its own origin. The script
 * builds the DOM with createElement/textContent, so names from the database are never parsed as HTML.
 * It avoids back-ticks and "${" so it can live in this template literal unchanged.
 */
import { createHash } from 'node:crypto';
import { EXPERIMENTS_SCRIPT, EXPERIMENTS_STYLE } from './dashboard-experiments.js';

const STYLE = String.raw`
:root { --ink:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#f8fafc; --card:#fff; --accent:#4f46e5; --warn:#b45309; --warnbg:#fffbeb; --bad:#b91c1c; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color:var(--ink); background:var(--bg); }
header { padding:16px 24px; background:#111827; color:#f9fafb; display:flex; flex-wrap:wrap; align-items:baseline; gap:8px 24px; }
header h1 { margin:0; font-size:20px; font-weight:650; }
header h1 span { color:#a5b4fc; font-weight:500; }
header form { display:flex; gap:12px; align-items:center; margin-left:auto; font-size:13px; }
header input, header select, header button { font:inherit; padding:3px 6px; border-radius:4px; border:1px solid #4b5563; background:#1f2937; color:#f9fafb; }
header button { background:var(--accent); border-color:var(--accent); cursor:pointer; }
#meta { width:100%; margin:0; color:#9ca3af; font-size:12px; }
nav#toc { padding:8px 24px; background:#fff; border-bottom:1px solid var(--line); display:flex; gap:16px; flex-wrap:wrap; font-size:13px; }
nav#toc a { color:var(--accent); text-decoration:none; }
main { padding:16px 24px 32px; display:flex; flex-direction:column; gap:24px; }
.warning { margin:12px 24px 0; padding:10px 14px; border:1px solid #f59e0b; background:var(--warnbg); color:var(--warn); border-radius:6px; }
.warning code { background:#fef3c7; padding:0 4px; border-radius:3px; }
.error { padding:12px 16px; border:1px solid #fca5a5; background:#fef2f2; color:var(--bad); border-radius:6px; }
section.campaign { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 20px 20px; }
section.campaign h2 { margin:0 0 2px; font-size:18px; }
.sub { color:var(--muted); font-size:12px; }
.sub a { color:var(--accent); }
.badge { display:inline-block; padding:0 6px; border-radius:9px; font-size:11px; background:#eef2ff; color:#3730a3; margin-left:6px; vertical-align:middle; }
.badge.low { background:#fef3c7; color:var(--warn); }
.kpi.failed .v { color:#b91c1c; }
.kpis { display:flex; flex-wrap:wrap; gap:10px; margin:14px 0; }
.kpi { border:1px solid var(--line); border-radius:8px; padding:8px 12px; min-width:140px; }
.kpi .v { font-size:20px; font-weight:650; }
.kpi .l { color:var(--muted); font-size:12px; }
.kpi.seed { border-color:#a5b4fc; background:#eef2ff; }
.grid { display:grid; grid-template-columns: minmax(0, 1.25fr) minmax(0, 1fr); gap:20px; align-items:start; }
@media (max-width: 1100px) { .grid { grid-template-columns: minmax(0, 1fr); } }
h3 { font-size:13px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); margin:16px 0 6px; }
.grid > div > h3:first-child { margin-top:0; }
.scroll { overflow-x:auto; border:1px solid var(--line); border-radius:8px; background:#fcfcfd; }
.scroll > svg { display:block; max-width:100%; height:auto; }
/* A table wider than its column (many columns, a narrow window) scrolls inside its card. */
.table-scroll { overflow-x:auto; max-width:100%; }
svg text { font-family: inherit; }
.node rect { stroke-width:1.5; }
.node.start rect { fill:#eef2ff; stroke:#6366f1; }
.node.decision rect { fill:#fff7ed; stroke:#f59e0b; }
.node.wait rect { fill:#f0f9ff; stroke:#0ea5e9; }
.node.action rect { fill:#f5f3ff; stroke:#8b5cf6; }
.node.email rect, .node.sms rect { fill:#ecfdf5; stroke:#10b981; }
.node .kind { font-size:9px; letter-spacing:.08em; fill:var(--muted); }
.node .label { font-size:12px; fill:var(--ink); }
.node .count, .exit .count { font-weight:700; fill:var(--accent); }
.node .count { font-size:19px; }
.node .small, .exit .small { font-size:10px; fill:var(--muted); }
a.count-link:hover text.count, a.count-link:focus text.count { text-decoration:underline; }
.exit rect { fill:#f3f4f6; stroke:#9ca3af; stroke-width:1.2; }
.exit.completed rect { fill:#f1f5f9; stroke:#64748b; }
.exit.purchased rect { fill:#dcfce7; stroke:#16a34a; }
.exit.unexpected rect { fill:#fee2e2; stroke:#ef4444; }
.exit .reason { font-size:11px; fill:var(--ink); }
.exit .count { font-size:14px; }
.edge { stroke:#94a3b8; stroke-width:1.4; fill:none; }
.edge.out { stroke-dasharray:4 3; }
.edge-label { font-size:10px; font-weight:600; fill:#475569; paint-order:stroke; stroke:#fcfcfd; stroke-width:4px; }
.edge-label.yes { fill:#15803d; }
.edge-label.no { fill:#b91c1c; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:right; padding:4px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
th:first-child, td:first-child { text-align:left; }
th { color:var(--muted); font-weight:600; font-size:12px; }
.uplift { margin:8px 0 0; }
.uplift .value { font-weight:650; }
.nodata { color:var(--warn); font-style:italic; }
.preview-node { margin:8px 0; } .preview-node pre { white-space:pre-wrap; background:#fcfcfd; border:1px solid var(--line); border-radius:6px; padding:8px; max-height:240px; overflow:auto; }
.bar.treated { fill:#4f46e5; }
.bar.heldout { fill:#a5b4fc; }
.axis { stroke:#cbd5e1; stroke-width:1; }
.tick { font-size:10px; fill:var(--muted); }
.ci-line { stroke:#4f46e5; stroke-width:3; }
.ci-zero { stroke:#9ca3af; stroke-dasharray:3 3; }
.ci-dot { fill:#1e1b4b; }
.legend { font-size:12px; color:var(--muted); display:flex; gap:14px; margin-top:4px; }
.swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:4px; vertical-align:-1px; }
.swatch.treated { background:#4f46e5; }
.swatch.heldout { background:#a5b4fc; }
ul.plain { margin:4px 0; padding-left:18px; }
section#model-health { margin:0 24px 24px; background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 20px 20px; }
section#model-health h2 { margin:0 0 2px; font-size:18px; }
.bar.actual { fill:#0f766e; }
.bar.predicted { fill:#99f6e4; }
.swatch.actual { background:#0f766e; }
.swatch.predicted { background:#99f6e4; }
footer { padding:0 24px 32px; color:var(--muted); font-size:12px; }
footer li { margin:2px 0; }
${EXPERIMENTS_STYLE}`;

const SCRIPT = String.raw`
(function () {
  'use strict';
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var COL_W = 272, NODE_W = 232, NODE_H = 64, ROW_H = 88, EXIT_W = 176, EXIT_H = 40, PAD = 18;
  var currency = 'EUR';

  function set(el, attrs) {
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'text') el.textContent = String(v);
      else el.setAttribute(k, String(v));
    });
    return el;
  }
  function add(el, children) {
    children.forEach(function (c) {
      if (c === undefined || c === null || c === false) return;
      if (Array.isArray(c)) add(el, c);
      else el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    });
    return el;
  }
  function h(tag, attrs) { return add(set(document.createElement(tag), attrs), [].slice.call(arguments, 2)); }
  function s(tag, attrs) { return add(set(document.createElementNS(SVG_NS, tag), attrs), [].slice.call(arguments, 2)); }
  function svgTitle(text) { return s('title', { text: text }); }
  function scrolling(table) { return h('div', { class: 'table-scroll' }, table); }

  function money(x) { return x === null || x === undefined ? '—' : new Intl.NumberFormat('en', { style: 'currency', currency: currency }).format(x); }
  function int(x) { return new Intl.NumberFormat('en').format(x); }
  // As src/domain/counted.ts, which this page's script cannot import.
  function counted(n, noun) { return int(n) + ' ' + (n === 1 ? noun : noun + 's'); }
  function pct(x) { return x === null || x === undefined ? '—' : (x * 100).toFixed(1) + '%'; }
  function signed(x, fmt) { return (x >= 0 ? '+' : '−') + fmt(Math.abs(x)); }
  function pts(x) { return (x * 100).toFixed(1) + ' pts'; }

  function wrap(text, max, lines) {
    var words = String(text).split(/\s+/), out = [], line = '';
    words.forEach(function (w) {
      if (!line) line = w;
      else if ((line + ' ' + w).length <= max) line += ' ' + w;
      else { out.push(line); line = w; }
    });
    if (line) out.push(line);
    if (out.length > lines) { out = out.slice(0, lines); out[lines - 1] = out[lines - 1].slice(0, max - 1) + '…'; }
    return out.map(function (l) { return l.length > max ? l.slice(0, max - 1) + '…' : l; });
  }

  // ---- funnel: the campaign kind's node graph ----
  function drawFunnel(c) {
    var boxes = {}, placed = [];
    function place(id, col, row, w, hgt, extra) {
      var x = PAD + col * COL_W, y = PAD + row * ROW_H + (NODE_H - hgt) / 2;
      var box = { id: id, col: col, row: row, x: x, y: y, w: w, h: hgt, cx: x + w / 2, cy: y + hgt / 2 };
      Object.keys(extra || {}).forEach(function (k) { box[k] = extra[k]; });
      placed.push(box);
      return box;
    }
    function free(col, row) { return !placed.some(function (b) { return b.col === col && Math.abs(b.row - row) < 0.8; }); }
    c.funnel.nodes.forEach(function (n) { boxes[n.id] = place(n.id, n.col, n.row, NODE_W, NODE_H, { node: n }); });
    var exits = [];
    c.funnel.nodes.forEach(function (n) {
      var own = c.funnel.exits.filter(function (e) { return e.from === n.id && (e.designed || e.count > 0); });
      own.sort(function (a, b) { return (b.designed - a.designed) || (b.count - a.count); });
      own.forEach(function (e) {
        var col = n.col + 1;
        while (!free(col, n.row)) col++;
        exits.push(place('exit:' + e.from + ':' + e.reason, col, n.row, EXIT_W, EXIT_H, { exit: e }));
      });
    });
    var width = Math.max.apply(null, placed.map(function (b) { return b.x + b.w; })) + PAD;
    var height = Math.max.apply(null, placed.map(function (b) { return b.y + b.h; })) + PAD;
    var markerId = 'arrow-' + c.id;
    var svg = s('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'Funnel of ' + c.name, 'data-testid': 'funnel', 'data-campaign': c.id },
      s('defs', {}, s('marker', { id: markerId, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#94a3b8' }))));
    var edgeLayer = s('g', {}), labelLayer = s('g', {});
    svg.appendChild(edgeLayer);

    function connect(a, b, label, cls) {
      var x1, y1, x2, y2, lx, ly;
      if (a.col === b.col && b.row > a.row) { x1 = a.cx; y1 = a.y + a.h; x2 = b.cx; y2 = b.y; lx = x1 + 7; ly = y1 + 13; }
      else if (b.col > a.col) { x1 = a.x + a.w; y1 = a.cy; x2 = b.x; y2 = b.cy; lx = x1 + 8; ly = y1 + (y2 >= y1 ? -5 : 13); }
      else { x1 = a.cx; y1 = a.y + a.h; x2 = b.cx; y2 = b.y; lx = x1 + 7; ly = y1 + 13; }
      edgeLayer.appendChild(s('line', { x1: x1, y1: y1, x2: x2, y2: y2, class: 'edge' + (cls ? ' ' + cls : ''), 'marker-end': 'url(#' + markerId + ')' }));
      if (label) labelLayer.appendChild(s('text', { x: lx, y: ly, class: 'edge-label ' + label, text: label }));
    }
    c.funnel.edges.forEach(function (e) { if (boxes[e.from] && boxes[e.to]) connect(boxes[e.from], boxes[e.to], e.label); });
    exits.forEach(function (b) { connect(boxes[b.exit.from], b, b.exit.label, 'out'); });

    c.funnel.nodes.forEach(function (n) {
      var b = boxes[n.id];
      var tip = n.label + '\n' + int(n.reached) + ' reached (' + int(n.treated) + ' treated, ' + int(n.heldOut) + ' held out); ' + int(n.here) + ' running journeys are here now' +
        '\nTemporal Web UI: ' + n.uiQuery;
      var lines = wrap(n.label, 25, 2);
      var g = s('g', { class: 'node ' + n.kind, 'data-testid': 'node', 'data-node': n.id },
        svgTitle(tip),
        s('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 8 }),
        s('text', { x: b.x + 10, y: b.y + 15, class: 'kind', text: (n.step || 'start').toUpperCase().replace(/_/g, ' ') }),
        lines.map(function (line, i) { return s('text', { x: b.x + 10, y: b.y + 34 + i * 15, class: 'label', text: line }); }),
        s('a', { href: n.uiUrl, target: '_blank', rel: 'noopener', class: 'count-link', 'data-testid': 'node-link', 'data-node': n.id, 'data-campaign': c.id },
          svgTitle('Open the journeys now at this node in the Temporal Web UI: ' + n.uiQuery),
          s('text', { x: b.x + b.w - 10, y: b.y + 25, 'text-anchor': 'end', class: 'count', 'data-testid': 'node-count', 'data-node': n.id, 'data-campaign': c.id, text: n.reached })),
        n.heldOut ? s('text', { x: b.x + b.w - 10, y: b.y + 41, 'text-anchor': 'end', class: 'small', text: int(n.heldOut) + ' ctrl' }) : null,
        n.here ? s('text', { x: b.x + b.w - 10, y: b.y + 55, 'text-anchor': 'end', class: 'small', text: int(n.here) + ' here' }) : null);
      svg.appendChild(g);
    });
    exits.forEach(function (b) {
      var e = b.exit;
      var cls = e.designed ? (e.reason === 'purchased' || e.reason === 'completed' ? e.reason : 'other') : 'unexpected';
      svg.appendChild(s('g', { class: 'exit ' + cls, 'data-testid': 'exit', 'data-from': e.from, 'data-reason': e.reason },
        svgTitle('Ended: ' + e.reason + ' after ' + e.from + ' — ' + int(e.count) + ' journeys (' + int(e.treated) + ' treated, ' + int(e.heldOut) + ' held out)'),
        s('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 18 }),
        s('text', { x: b.x + 14, y: b.y + 17, class: 'small', text: 'END' }),
        s('text', { x: b.x + 14, y: b.y + 31, class: 'reason', text: e.reason.replace(/_/g, ' ') }),
        s('a', { href: e.uiUrl, target: '_blank', rel: 'noopener', class: 'count-link', 'data-testid': 'exit-link', 'data-from': e.from, 'data-reason': e.reason },
          svgTitle('Open the journeys that ended "' + e.reason + '" in the Temporal Web UI'),
          s('text', { x: b.x + b.w - 14, y: b.y + 26, 'text-anchor': 'end', class: 'count', 'data-testid': 'exit-count', text: e.count }))));
    });
    svg.appendChild(labelLayer);
    return svg;
  }

  // ---- revenue over time ----
  function dayAfter(date) { var d = new Date(date + 'T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1); return d.toISOString().slice(0, 10); }
  function weekOf(date) { var d = new Date(date + 'T00:00:00Z'); d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7)); return d.toISOString().slice(0, 10); }
  // Axis labels with the decimals their values need, the same for all: 0.025 as well as 2,500.
  function tickLabels(values) {
    var d = 0;
    while (d < 8 && values.some(function (v) { return Math.abs(Number(v.toFixed(d)) - v) > 1e-9 * Math.max(1, Math.abs(v)); })) d++;
    return values.map(function (v) { return v.toFixed(d); });
  }
  function niceMax(x) { if (x <= 0) return 1; var p = Math.pow(10, Math.floor(Math.log10(x))); var m = [1, 2, 2.5, 5, 10].find(function (k) { return k * p >= x; }); return m * p; }

  function drawRevenue(c) {
    if (!c.revenueByDay.length) return h('p', { class: 'sub', 'data-testid': 'revenue-empty', text: 'No attributed purchases yet.' });
    var byDay = {};
    c.revenueByDay.forEach(function (d) { byDay[d.date] = d; });
    var buckets = [], first = c.revenueByDay[0].date, last = c.revenueByDay[c.revenueByDay.length - 1].date, day;
    var days = [];
    for (day = first; day <= last; day = dayAfter(day)) days.push(day);
    var weekly = days.length > 62;
    days.forEach(function (d) {
      var key = weekly ? weekOf(d) : d;
      var b = buckets.length && buckets[buckets.length - 1].key === key ? buckets[buckets.length - 1] : null;
      if (!b) { b = { key: key, treated: 0, heldOut: 0, orders: 0 }; buckets.push(b); }
      var r = byDay[d];
      if (r) { b.treated += r.treatedRevenue; b.heldOut += r.heldOutRevenue; b.orders += r.orders; }
    });
    var W = 560, H = 210, L = 66, R = 12, T = 12, B = 30, pw = W - L - R, ph = H - T - B;
    var top = niceMax(Math.max.apply(null, buckets.map(function (b) { return b.treated + b.heldOut; })));
    var step = pw / buckets.length, bw = Math.max(1, Math.min(40, step * 0.75));
    var svg = s('svg', { width: '100%', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'Attributed revenue per ' + (weekly ? 'week' : 'day'), 'data-testid': 'revenue-chart' });
    [0, 0.5, 1].forEach(function (f) {
      var y = T + ph - f * ph;
      svg.appendChild(s('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'axis' }));
      svg.appendChild(s('text', { x: L - 6, y: y + 3, 'text-anchor': 'end', class: 'tick', text: money(top * f) }));
    });
    buckets.forEach(function (b, i) {
      var x = L + i * step + (step - bw) / 2;
      var ht = (b.treated / top) * ph, hh = (b.heldOut / top) * ph;
      var tip = (weekly ? 'week of ' : '') + b.key + ': ' + money(b.treated + b.heldOut) + ' (' + int(b.orders) + ' orders; treated ' + money(b.treated) + ', held out ' + money(b.heldOut) + ')';
      svg.appendChild(s('g', { 'data-testid': 'revenue-bar', 'data-date': b.key, 'data-revenue': (b.treated + b.heldOut).toFixed(2) }, svgTitle(tip),
        s('rect', { x: x, y: T + ph - ht, width: bw, height: Math.max(0, ht), class: 'bar treated' }),
        s('rect', { x: x, y: T + ph - ht - hh, width: bw, height: Math.max(0, hh), class: 'bar heldout' })));
    });
    var labels = buckets.length > 2 ? [0, Math.floor(buckets.length / 2), buckets.length - 1] : buckets.map(function (_, i) { return i; });
    labels.forEach(function (i) {
      svg.appendChild(s('text', { x: L + i * step + step / 2, y: H - 10, 'text-anchor': 'middle', class: 'tick', text: (weekly ? 'wk ' : '') + buckets[i].key }));
    });
    return h('div', {}, svg, h('div', { class: 'legend' },
      h('span', {}, h('span', { class: 'swatch treated' }), 'treated'), h('span', {}, h('span', { class: 'swatch heldout' }), 'held out'),
      h('span', { text: 'per ' + (weekly ? 'week' : 'day') + ', ' + currency })));
  }

  // ---- control group ----
  function ciPlot(u, fmt) {
    var W = 560, H = 40, L = 20, R = 20, pw = W - L - R;
    var span = Math.max(Math.abs(u.low), Math.abs(u.high), 1e-9) * 1.2;
    function x(v) { return L + ((v + span) / (2 * span)) * pw; }
    return s('svg', { width: '100%', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'confidence interval' },
      s('line', { x1: x(0), x2: x(0), y1: 4, y2: H - 14, class: 'ci-zero' }),
      s('text', { x: x(0), y: H - 2, 'text-anchor': 'middle', class: 'tick', text: '0' }),
      s('line', { x1: x(u.low), x2: x(u.high), y1: 16, y2: 16, class: 'ci-line' }),
      s('line', { x1: x(u.low), x2: x(u.low), y1: 10, y2: 22, class: 'ci-line' }),
      s('line', { x1: x(u.high), x2: x(u.high), y1: 10, y2: 22, class: 'ci-line' }),
      s('circle', { cx: x(u.estimate), cy: 16, r: 4.5, class: 'ci-dot' }),
      s('text', { x: x(u.low), y: H - 2, 'text-anchor': 'middle', class: 'tick', text: signed(u.low, fmt) }),
      s('text', { x: x(u.high), y: H - 2, 'text-anchor': 'middle', class: 'tick', text: signed(u.high, fmt) }));
  }

  function uplift(name, u, fmt, testid) {
    if (u.status !== 'ok') {
      return h('div', { class: 'uplift', 'data-testid': testid, 'data-status': u.status }, h('strong', { text: name + ': ' }), h('span', { class: 'nodata', text: 'not enough data' }), ' — ' + u.reason);
    }
    return h('div', { class: 'uplift', 'data-testid': testid, 'data-status': 'ok', 'data-estimate': u.estimate, 'data-low': u.low, 'data-high': u.high },
      h('strong', { text: name + ': ' }), h('span', { class: 'value', text: signed(u.estimate, fmt) }),
      ' (' + Math.round(u.level * 100) + '% CI ' + signed(u.low, fmt) + ' to ' + signed(u.high, fmt) + ')',
      h('div', { class: 'sub', text: u.method + (u.df !== undefined ? ', df ' + u.df.toFixed(1) : '') }), ciPlot(u, fmt));
  }

  function controlGroup(c) {
    var r = c.results;
    function row(name, g, key) {
      return h('tr', { 'data-testid': 'group-' + key },
        h('td', { text: name }), h('td', { text: int(g.journeys) }), h('td', { text: int(g.converted) }),
        h('td', { text: pct(g.conversionRate) + (g.conversionRateInterval ? ' (' + pct(g.conversionRateInterval.low) + '–' + pct(g.conversionRateInterval.high) + ')' : '') }),
        h('td', { text: money(g.revenue) }), h('td', { text: money(g.revenuePerContact) }));
    }
    return h('div', { 'data-testid': 'control-group' },
      scrolling(h('table', {}, h('thead', {}, h('tr', {}, ['group', 'journeys', 'converted', 'conversion (95% CI)', 'revenue', 'per contact'].map(function (t) { return h('th', { text: t }); }))),
        h('tbody', {}, row('Treated', r.treated, 'treated'), row('Held out', r.heldOut, 'heldout'), row('All', r.all, 'all')))),
      uplift('Conversion uplift', r.conversionRateUplift, pts, 'uplift-conversion'),
      uplift('Revenue per contact uplift', r.revenuePerContactUplift, money, 'uplift-revenue'));
  }

  // Per send node: what went out and what the providers said about it.
  function sendNodes(nodes) {
    function reasons(list) { return list.map(function (x) { return x.reason.replace(/_/g, ' ') + ' ' + int(x.count); }).join(', ') || '—'; }
    var cols = ['sent', 'delivered', 'bounced', 'complained', 'opened', 'clicked', 'unsubscribed'];
    return scrolling(h('table', { 'data-testid': 'send-nodes' },
      h('thead', {}, h('tr', {}, ['send node'].concat(cols, ['skipped', 'delayed']).map(function (t) { return h('th', { text: t }); }))),
      h('tbody', {}, nodes.map(function (n) {
        return h('tr', { 'data-testid': 'send-node', 'data-node': n.node },
          h('td', { text: n.node + ' (' + n.channel + ')' + (n.inGraph ? '' : ', not in graph') }),
          cols.map(function (k) { return h('td', { 'data-col': k, text: int(n[k]) + (k === 'bounced' && n.softBounced ? ' (+' + int(n.softBounced) + ' soft)' : '') }); }),
          h('td', { text: reasons(n.skipped) }), h('td', { text: reasons(n.delayed) }));
      }))));
  }

  // A checkout flow: recovered checkouts, treated vs control group, and per send node (last touch).
  function checkoutRecovery(k) {
    function row(name, g, key, node) {
      return h('tr', { 'data-testid': 'recovery-' + key, 'data-node': node },
        h('td', { text: name }), h('td', { text: int(g.checkouts) }), h('td', { text: int(g.completed) }), h('td', { 'data-col': 'recovered', text: int(g.recovered) }),
        h('td', { text: pct(g.recoveryRate) + (g.recoveryRateInterval ? ' (' + pct(g.recoveryRateInterval.low) + '–' + pct(g.recoveryRateInterval.high) + ')' : '') }),
        h('td', { 'data-col': 'revenue', text: money(g.recoveredRevenue) }), h('td', { text: money(g.revenuePerCheckout) }));
    }
    var head = h('thead', {}, h('tr', {}, ['', 'checkouts', 'completed', 'recovered', 'recovery (95% CI)', 'recovered revenue', 'per checkout'].map(function (t) { return h('th', { text: t }); })));
    return h('div', { 'data-testid': 'checkout-recovery' },
      scrolling(h('table', {}, head, h('tbody', {}, row('Treated', k.treated, 'treated'), row('Held out', k.heldOut, 'heldout'), row('All', k.all, 'all')))),
      uplift('Recovery rate uplift', k.recoveryRateUplift, pts, 'uplift-recovery'),
      uplift('Recovered revenue per checkout uplift', k.revenuePerCheckoutUplift, money, 'uplift-recovered-revenue'),
      k.bySendNode.length ? scrolling(h('table', { 'data-testid': 'recovery-nodes' }, head.cloneNode(true), h('tbody', {}, k.bySendNode.map(function (n) {
        return [row(n.node + ' (' + n.channel + '), treated', n.treated, 'node-treated', n.node), row('held out', n.heldOut, 'node-heldout', n.node)];
      })))) : null,
      h('p', { class: 'sub', text: k.rule.join(' ') }));
  }

  // Each send node rendered for a contact (GET api/preview): subject and text; nothing is stored.
  function previewBox(c) {
    var input = h('input', { type: 'number', min: '1', name: 'contact', placeholder: 'contact id', 'aria-label': 'contact id', 'data-testid': 'preview-contact' });
    var button = h('button', { type: 'submit', text: 'Preview' });
    var out = h('div', { 'data-testid': 'previews' });
    var form = h('form', { class: 'preview', 'data-testid': 'preview-form' }, 'Preview the messages for contact ', input, ' ', button, out);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      out.textContent = '';
      var query = new URLSearchParams({ campaign: c.id, contact: input.value });
      fetch('api/preview?' + query, { headers: { accept: 'application/json' } })
        .then(function (res) { return res.json().then(function (body) { if (!res.ok) throw new Error(body.error || res.statusText); return body; }); })
        .then(function (body) {
          body.nodes.forEach(function (n) {
            var p = n.preview;
            out.appendChild(h('div', { class: 'preview-node', 'data-testid': 'preview-node', 'data-node': n.node },
              h('strong', { text: n.node + ' (' + n.channel + ')' }),
              p ? h('div', { class: 'sub', text: 'to ' + (p.to || '(cannot receive it)') + ' · sample coupon ' + p.sampleCoupon.code }) : null,
              p && p.subject !== null ? h('div', { 'data-testid': 'preview-subject', text: p.subject }) : null,
              p ? h('pre', { 'data-testid': 'preview-text', text: p.text }) : h('div', { class: 'nodata', text: n.error })));
          });
          out.appendChild(h('p', { class: 'sub', text: 'The text version; the HTML: boomerang template preview --campaign ' + c.id + ' --node NODE --contact ' + input.value + ' --html FILE' }));
        })
        .catch(function (err) { out.appendChild(h('div', { class: 'nodata', role: 'alert', text: 'No preview: ' + err.message })); });
    });
    return form;
  }

${EXPERIMENTS_SCRIPT}
  function kpi(value, label, cls, testid) { return h('div', { class: 'kpi' + (cls ? ' ' + cls : ''), 'data-testid': testid }, h('div', { class: 'v', text: value }), h('div', { class: 'l', text: label })); }

  function campaignSection(c) {
    var r = c.results, m = c.messages;
    var poolLow = c.coupons.pools.some(function (p) { return p.pool && p.pool.low; });
    var skipped = m.skipped.reduce(function (sum, x) { return sum + x.count; }, 0);
    var section = h('section', { class: 'campaign', id: 'campaign-' + c.id, 'data-testid': 'campaign', 'data-campaign': c.id },
      h('h2', {}, c.name, h('span', { class: 'badge', text: c.kind.replace(/_/g, ' ') }), h('span', { class: 'badge', text: c.status }),
        poolLow ? h('span', { class: 'badge low', 'data-testid': 'pool-low-badge', text: 'coupon pool low' }) : null),
      h('div', { class: 'sub' }, c.id + ' · holdout ' + c.holdoutPercent + '% · ',
        h('a', { href: c.uiUrl, target: '_blank', rel: 'noopener', 'data-testid': 'campaign-ui-link', text: 'all journeys in the Temporal Web UI' })),
      h('div', { class: 'kpis' },
        kpi(int(c.journeys.enrolled), 'enrolled (' + int(c.journeys.treated) + ' treated, ' + int(c.journeys.heldOut) + ' held out)', '', 'kpi-enrolled'),
        kpi(int(c.journeys.active), 'running now', '', 'kpi-active'),
        c.journeys.failed ? kpi(int(c.journeys.failed), 'failed (see boomerang contact trace, or the Web UI)', 'failed', 'kpi-failed') : null,
        kpi(int(r.all.converted) + ' · ' + pct(r.all.conversionRate), 'converted', '', 'kpi-converted'),
        kpi(money(r.all.revenue), 'attributed revenue', '', 'kpi-revenue'),
        kpi(money(r.all.revenuePerContact), 'revenue per contact', '', 'kpi-rpc'),
        c.welcome ? kpi(c.welcome.perThousandRegistrations === null ? 'not enough data' : money(c.welcome.perThousandRegistrations),
          'first-purchase revenue per 1,000 registrations (seed average ' + money(c.welcome.seedBenchmarkPerThousand) + ')', 'seed', 'kpi-welcome') : null));
    var left = h('div', {}, h('h3', { text: 'Funnel' }), h('div', { class: 'scroll' }, drawFunnel(c)),
      h('p', { class: 'sub', text: 'Big numbers: journeys that reached the node; click one to open, in the Temporal Web UI, the journeys now at that node. ' +
        '"ctrl": of those, held out (control group, sent nothing). "here": running journeys now at the node. Rounded boxes: where journeys ended, and why.' }),
      c.funnel.unmapped.length ? h('p', { class: 'sub', text: 'Steps not in the graph: ' + c.funnel.unmapped.map(function (u) { return u.id + ' (' + u.reached + ')'; }).join(', ') }) : null);
    var endings = h('table', {}, h('thead', {}, h('tr', {}, ['ended', 'journeys', 'treated', 'held out'].map(function (t) { return h('th', { text: t }); }))),
      h('tbody', {}, c.endings.map(function (e) { return h('tr', {}, h('td', { text: e.reason }), h('td', { text: int(e.count) }), h('td', { text: int(e.treated) }), h('td', { text: int(e.heldOut) })); })));
    var right = h('div', {},
      h('h3', { text: 'Treated vs control group' }), controlGroup(c), alwaysValidHoldout(c),
      experiments(c),
      c.checkouts ? [h('h3', { text: 'Recovered checkouts' }), checkoutRecovery(c.checkouts)] : null,
      h('h3', { text: 'Attributed revenue over time' }), drawRevenue(c),
      h('h3', { text: 'Messages and coupons' }),
      h('p', { 'data-testid': 'messages' }, int(m.sent.total) + ' sent (' + int(m.sent.email) + ' email, ' + int(m.sent.sms) + ' SMS) · ' + int(m.failed.total) + ' failed · ' +
        int(skipped) + ' skipped · ' + int(m.withheldFromControlGroup) + ' withheld from the control group'),
      m.skipped.length ? h('ul', { class: 'plain' }, m.skipped.map(function (x) { return h('li', { text: x.channel + ' skipped, ' + x.reason.replace(/_/g, ' ') + ': ' + int(x.count) }); })) : null,
      m.bySendNode.length ? sendNodes(m.bySendNode) : null,
      h('p', { 'data-testid': 'coupons' }, int(c.coupons.assigned) + ' coupons assigned · ' + int(c.coupons.redeemed) + ' redeemed' +
        c.coupons.pools.map(function (p) { return ' · pool "' + p.set + '": ' + (p.pool ? int(p.pool.available) + ' available (warns below ' + int(p.pool.lowStockThreshold) + ')' : 'no such coupon set'); }).join('')),
      c.endings.length ? scrolling(endings) : null,
      h('h3', { text: 'Preview' }), previewBox(c));
    section.appendChild(h('div', { class: 'grid' }, left, right));
    return section;
  }

  function render(report) {
    currency = report.currency;
    var meta = document.getElementById('meta');
    meta.textContent = 'Generated ' + new Date(report.generatedAt).toLocaleString() + ' · attribution window ' + report.filters.window + ' after the last message' +
      (report.filters.since ? ' · journeys enrolled since ' + report.filters.since.slice(0, 10) : ' · all journeys') + ' · amounts in ' + report.currency;
    var warnings = document.getElementById('warnings');
    warnings.textContent = '';
    report.couponPools.filter(function (p) { return p.low; }).forEach(function (p) {
      warnings.appendChild(h('div', { class: 'warning', role: 'alert', 'data-testid': 'low-pool', 'data-set': p.setId },
        h('strong', { text: 'Coupon pool low: ' }), '"' + p.setId + '" has ' + counted(p.available, 'code') + ' available (threshold ' + int(p.lowStockThreshold) + ')' +
        (p.campaigns.length ? ', used by ' + p.campaigns.join(', ') : '') + '. Add codes: ', h('code', { text: 'boomerang coupons generate ' + p.setId + ' --count N' })));
    });
    if (report.inbox && report.inbox.parked > 0)
      warnings.appendChild(h('div', { class: 'warning', role: 'alert', 'data-testid': 'inbox-parked', 'data-count': report.inbox.parked },
        h('strong', { text: 'Store events parked: ' }), counted(report.inbox.parked, 'event') + ' failed too often. See ',
        h('code', { text: 'boomerang inbox list' }), ', then retry or discard ' + (report.inbox.parked === 1 ? 'it.' : 'them.')));
    report.campaigns.forEach(function (c) {
      c.deliverability.warnings.forEach(function (w) {
        warnings.appendChild(h('div', { class: 'warning', role: 'alert', 'data-testid': 'deliverability-warning', 'data-campaign': c.id, 'data-kind': w.kind },
          h('strong', { text: c.name + ': ' }), w.message + '.'));
      });
    });
    var toc = document.getElementById('toc');
    toc.textContent = '';
    report.campaigns.forEach(function (c) { toc.appendChild(h('a', { href: '#campaign-' + c.id, text: c.name })); });
    var main = document.getElementById('campaigns');
    main.textContent = '';
    if (!report.campaigns.length) main.appendChild(h('p', { text: 'No campaigns yet: create one with boomerang campaign create --file FILE.' }));
    report.campaigns.forEach(function (c) { main.appendChild(campaignSection(c)); });
    var footer = document.getElementById('method');
    footer.textContent = '';
    footer.appendChild(h('strong', { text: 'How purchases are attributed' }));
    footer.appendChild(h('ul', {}, report.attributionRule.map(function (t) { return h('li', { text: t }); })));
    main.setAttribute('aria-busy', 'false');
    document.body.setAttribute('data-ready', 'true');
  }

  // Model health: the backtest's table "by repeat purchases in calibration" as grouped bars.
  function drawModelHealth(r) {
    var box = document.getElementById('model-health-body');
    box.textContent = '';
    if (!r.available) {
      box.appendChild(h('p', { class: 'nodata', 'data-testid': 'model-health-unavailable', text: 'No backtest: ' + r.reason }));
      document.body.setAttribute('data-model-health', 'unavailable');
      return;
    }
    var groups = r.byFrequency;
    var W = 640, H = 240, L = 44, B = 36, T = 12;
    var top = niceMax(Math.max.apply(null, groups.map(function (g) { return Math.max(g.actualPurchases, g.predictedPurchases); })));
    var step = (W - L - 10) / groups.length;
    var bw = Math.min(22, step / 2 - 4);
    var y = function (v) { return T + (H - T - B) * (1 - v / top); };
    var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-label': 'Mean purchases per customer in the holdout, actual and predicted, by repeat purchases in calibration' });
    svg.appendChild(s('line', { class: 'axis', x1: L, y1: y(0), x2: W - 10, y2: y(0) }));
    var ticks = [0, top / 2, top], labels = tickLabels(ticks);
    ticks.forEach(function (v, i) {
      svg.appendChild(s('text', { class: 'tick', 'data-testid': 'model-health-tick', 'data-value': String(v), x: L - 6, y: y(v) + 3, 'text-anchor': 'end', text: labels[i] }));
    });
    groups.forEach(function (g, i) {
      var x0 = L + i * step + step / 2;
      [['actual', g.actualPurchases, -bw - 1], ['predicted', g.predictedPurchases, 1]].forEach(function (b) {
        var rect = s('rect', { class: 'bar ' + b[0], x: x0 + b[2], y: y(b[1]), width: bw, height: Math.max(0, y(0) - y(b[1])),
          'data-testid': 'model-health-bar', 'data-group': g.label, 'data-kind': b[0], 'data-value': String(b[1]) },
          svgTitle(g.label + ' repeat purchases (' + int(g.customers) + ' customers): ' + b[0] + ' ' + b[1].toFixed(2)));
        svg.appendChild(rect);
      });
      svg.appendChild(s('text', { class: 'tick', x: x0, y: H - B + 14, 'text-anchor': 'middle', text: g.label }));
      svg.appendChild(s('text', { class: 'tick', x: x0, y: H - B + 26, 'text-anchor': 'middle', text: 'n=' + int(g.customers) }));
    });
    box.appendChild(h('p', { class: 'sub', 'data-testid': 'model-health-summary', text: 'Fitted on orders up to ' + r.calibrationEnd + ', compared with the ' + r.holdoutDays +
      ' days after: ' + int(r.total.actualPurchases) + ' purchases made, ' + r.total.predictedPurchases.toFixed(1) + ' predicted; mean absolute error per customer ' +
      r.meanAbsoluteError.toFixed(3) + '. Bars: mean purchases per customer in the holdout, by repeat purchases before it. boomerang model backtest prints the full tables.' }));
    box.appendChild(h('div', { class: 'scroll' }, svg));
    box.appendChild(h('div', { class: 'legend' }, h('span', {}, h('span', { class: 'swatch actual' }), 'actual'), h('span', {}, h('span', { class: 'swatch predicted' }), 'predicted')));
    document.body.setAttribute('data-model-health', 'ready');
  }

  function startModelHealth() {
    var params = new URLSearchParams(location.search);
    var query = new URLSearchParams();
    ['calibrationEnd', 'holdoutDays'].forEach(function (k) { if (params.get(k)) query.set(k, params.get(k)); });
    fetch('api/model-health' + (query.toString() ? '?' + query : ''), { headers: { accept: 'application/json' } })
      .then(function (res) { return res.json().then(function (body) { if (!res.ok) throw new Error(body.error || res.statusText); return body; }); })
      .then(drawModelHealth)
      .catch(function (err) {
        drawModelHealth({ available: false, reason: err.message });
      });
  }

  function start() {
    var params = new URLSearchParams(location.search);
    var form = document.getElementById('filters');
    if (params.get('since')) form.elements.since.value = params.get('since');
    if (params.get('window')) form.elements.window.value = params.get('window');
    if (params.get('campaign')) form.elements.campaign.value = params.get('campaign');
    var query = new URLSearchParams();
    ['campaign', 'since', 'window'].forEach(function (k) { if (params.get(k)) query.set(k, params.get(k)); });
    fetch('api/report' + (query.toString() ? '?' + query : ''), { headers: { accept: 'application/json' } })
      .then(function (res) { return res.json().then(function (body) { if (!res.ok) throw new Error(body.error || res.statusText); return body; }); })
      .then(render)
      .catch(function (err) {
        var main = document.getElementById('campaigns');
        main.textContent = '';
        main.appendChild(h('div', { class: 'error', role: 'alert', 'data-testid': 'error', text: 'Could not load the report: ' + err.message }));
        document.body.setAttribute('data-ready', 'error');
      });
  }
  start();
  startModelHealth();
})();
`;

const sha256 = (text: string): string =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Only this page's own script and style run; it talks only to its own origin. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>Boomerang — campaign results</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Boomerang <span>campaign results</span></h1>
  <form id="filters" method="get" action="">
    <input type="hidden" name="campaign">
    <label>Enrolled since <input type="date" name="since"></label>
    <label>Attribution window <select name="window"><option value="3d">3 days</option><option value="7d" selected>7 days</option><option value="14d">14 days</option><option value="30d">30 days</option></select></label>
    <button type="submit">Update</button>
  </form>
  <p id="meta">Loading…</p>
</header>
<nav id="toc" aria-label="Campaigns"></nav>
<div id="warnings"></div>
<main id="campaigns" aria-busy="true"><p>Loading the report…</p></main>
<section id="model-health" aria-labelledby="model-health-title"><h2 id="model-health-title">Model health</h2><div id="model-health-body"><p>Loading the backtest…</p></div></section>
<footer id="method"></footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
