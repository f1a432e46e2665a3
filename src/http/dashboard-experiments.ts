/**
 * The dashboard's experiments, as part of its inline script (src/http/dashboard-page.ts, whose
 * helpers h, s, svgTitle, int, pct, money, signed and pts it uses): per experiment a table of the
 * arms (journeys, conversions, revenue, each arm against the control with the fixed-horizon and the
 * always-valid interval), the decision and its reason, the journeys a minimum detectable effect
 * needs, and the always-valid interval of each arm against the control after every day, drawn as
 * a band around its estimate (the band may only narrow as journeys come in; a winner's lies above
 * zero). Below the control-group uplift, its always-valid intervals. No back-ticks, no "${".
 */
export const EXPERIMENTS_STYLE = String.raw`
.experiment { margin:10px 0 14px; }
.experiment .decision { font-weight:650; margin:6px 0 2px; }
.experiment .decision.won { color:#047857; }
.av-band { opacity:0.18; }
polyline.av-line { fill:none; stroke-width:2; }
.arm-0 { fill:#4f46e5; stroke:#4f46e5; background:#4f46e5; } .arm-1 { fill:#0891b2; stroke:#0891b2; background:#0891b2; }
.arm-2 { fill:#c026d3; stroke:#c026d3; background:#c026d3; } .arm-3 { fill:#ea580c; stroke:#ea580c; background:#ea580c; }
`;

export const EXPERIMENTS_SCRIPT = String.raw`
  function avText(i, fmt) { return i ? signed(i.estimate, fmt) + ' [' + signed(i.lower, fmt) + ', ' + signed(i.upper, fmt) + ']' : '—'; }
  function fixedText(u, fmt) { return u.status === 'ok' ? signed(u.estimate, fmt) + ' [' + signed(u.low, fmt) + ', ' + signed(u.high, fmt) + ']' : '—'; }

  function alwaysValidHoldout(c) {
    var u = c.results.alwaysValidUplift;
    if (!u.conversionRate || !u.revenuePerContact) return null;
    return h('p', { class: 'sub', 'data-testid': 'uplift-always-valid' },
      'Always-valid 95% (valid however often you look): conversion ' + avText(u.conversionRate, pts) + ', revenue per contact ' + avText(u.revenuePerContact, money) + ' — ' + u.method);
  }

  // The always-valid conversion interval of each arm against the control, after every day.
  function drawExperimentOverTime(e) {
    var days = e.daily, W = 560, H = 180, L = 56, R = 12, T = 10, B = 26;
    var arms = e.arms.filter(function (a) { return !a.isControl; }).map(function (a) { return a.name; });
    var values = [0];
    days.forEach(function (d) { d.arms.forEach(function (a) { if (a.interval) values.push(a.interval.lower, a.interval.upper); }); });
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    if (hi - lo < 1e-9) { lo -= 0.01; hi += 0.01; }
    var step = days.length > 1 ? (W - L - R) / (days.length - 1) : 0;
    function x(i) { return days.length > 1 ? L + i * step : (L + W - R) / 2; }
    function y(v) { return T + (hi - v) / (hi - lo) * (H - T - B); }
    var svg = s('svg', { width: '100%', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'Always-valid interval of each arm against ' + e.control + ' over time', 'data-testid': 'experiment-chart' });
    svg.appendChild(s('line', { x1: L, x2: W - R, y1: y(0), y2: y(0), class: 'ci-zero' }));
    [hi, 0, lo].forEach(function (v) { svg.appendChild(s('text', { x: L - 6, y: y(v) + 3, 'text-anchor': 'end', class: 'tick', text: signed(v, pts) })); });
    arms.forEach(function (name, k) {
      var pts_ = days.map(function (d, i) { var a = d.arms.find(function (z) { return z.name === name; }); return a && a.interval ? { i: i, d: d.date, a: a } : null; }).filter(Boolean);
      if (!pts_.length) return;
      var upper = pts_.map(function (p) { return x(p.i) + ',' + y(p.a.interval.upper); });
      var lower = pts_.slice().reverse().map(function (p) { return x(p.i) + ',' + y(p.a.interval.lower); });
      svg.appendChild(s('polygon', { points: upper.concat(lower).join(' '), class: 'av-band arm-' + (k % 4) }));
      svg.appendChild(s('polyline', { points: pts_.map(function (p) { return x(p.i) + ',' + y(p.a.interval.estimate); }).join(' '), class: 'av-line arm-' + (k % 4) }));
      pts_.forEach(function (p) {
        svg.appendChild(s('circle', { cx: x(p.i), cy: y(p.a.interval.estimate), r: 2.5, class: 'arm-' + (k % 4), 'data-testid': 'experiment-look', 'data-arm': name, 'data-date': p.d, 'data-lower': p.a.interval.lower, 'data-upper': p.a.interval.upper },
          svgTitle(name + ' − ' + e.control + ' on ' + p.d + ': ' + avText(p.a.interval, pts) + ' (' + int(p.a.journeys) + ' journeys, ' + int(p.a.converted) + ' converted)')));
      });
    });
    if (days.length) {
      svg.appendChild(s('text', { x: x(0), y: H - 8, 'text-anchor': days.length > 1 ? 'start' : 'middle', class: 'tick', text: days[0].date }));
      if (days.length > 1) svg.appendChild(s('text', { x: x(days.length - 1), y: H - 8, 'text-anchor': 'end', class: 'tick', text: days[days.length - 1].date }));
    }
    return h('div', {}, svg, h('div', { class: 'legend' }, arms.map(function (name, k) {
      return h('span', {}, h('span', { class: 'swatch arm-' + (k % 4) }), name + ' − ' + e.control + ' ');
    })));
  }

  function experimentBlock(c, e) {
    // As confidenceLevel in src/domain/reports/sequential.ts, which this script cannot import: "95%", "98.33%".
    var level = Math.round((1 - e.alphaPerComparison) * 10000) / 100 + '%';
    var n = e.journeysNeeded;
    var rows = e.arms.map(function (a) {
      var v = a.vsControl;
      return h('tr', { 'data-testid': 'experiment-arm', 'data-arm': a.name, 'data-decision': a.decision },
        h('td', { text: a.name + (a.isControl ? ' (control)' : '') }), h('td', { text: int(a.figures.journeys) }), h('td', { text: int(a.figures.converted) + ' · ' + pct(a.figures.conversionRate) }),
        h('td', { text: money(a.figures.revenue) + ' · ' + money(a.figures.revenuePerContact) }),
        h('td', { text: v ? fixedText(v.conversionRate.fixedHorizon, pts) : '' }),
        h('td', { text: v ? avText(v.conversionRate.alwaysValid, pts) : '' }),
        h('td', { text: v ? avText(v.revenuePerContact.alwaysValid, money) : '' }),
        h('td', { title: a.reason, text: a.decision.replace(/_/g, ' ') }));
    });
    return h('div', { class: 'experiment', 'data-testid': 'experiment', 'data-node': e.node, 'data-winner': e.decision.winner || '' },
      h('h4', { text: 'Experiment at "' + e.node + '" (' + (e.type === 'split' ? 'split' : 'template variants') + ', control ' + e.control + ')' + (e.concludedFor ? ' — concluded: new journeys take ' + e.concludedFor : '') }),
      h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ['arm', 'journeys', 'converted', 'revenue · per contact', 'vs control (95% fixed)', 'vs control (' + level + ' always-valid)', 'per contact (' + level + ' always-valid)', 'decision'].map(function (t) { return h('th', { text: t }); }))),
        h('tbody', {}, rows))),
      h('p', { class: 'decision' + (e.decision.winner ? ' won' : ''), 'data-testid': 'experiment-decision', text: e.decision.reason }),
      h('ul', { class: 'plain sub' }, e.arms.filter(function (a) { return !a.isControl; }).map(function (a) { return h('li', { text: a.name + ': ' + a.reason }); })),
      h('p', { class: 'sub', text: n ? 'To detect +' + pts(n.minimumDetectableEffect) + ' over ' + pct(n.baselineRate) + ': ' + int(n.alwaysValid) + ' journeys per arm read every day (' + int(n.fixedHorizon) + ' for one look at the end); ' + (n.morePerArm ? int(n.morePerArm) + ' more per arm.' : 'reached.') : 'Journeys needed: not yet known (the control has no conversion to plan from).' }),
      drawExperimentOverTime(e),
      h('p', { class: 'sub', text: 'Always-valid: ' + e.method + '. Conclude with: boomerang experiment conclude ' + c.id + ' ' + e.node + ' --arm NAME' }));
  }

  function experiments(c) {
    if (!c.experiments || !c.experiments.length) return null;
    return h('div', { 'data-testid': 'experiments' }, h('h3', { text: 'Experiments' }), c.experiments.map(function (e) { return experimentBlock(c, e); }));
  }
`;
