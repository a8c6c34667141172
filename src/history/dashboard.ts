// The dashboard of the data branch: one static page beside index.json (serve the branch
// with GitHub Pages, or open the file), a chart per metric per model and board over the
// recorded commits. It holds no outside text: names and figures are read from index.json
// in the browser and reach the page only through textContent and SVG attributes, so a
// model called "<script>" is shown, never run. No library, no network beyond index.json.

export const DASHBOARD_PATH = 'index.html';

// Runs in the browser. Kept to ES2017 and the DOM only; tests run it under a small fake DOM.
const SCRIPT = String.raw`
(function () {
  var METRICS = [
    ['ticks', 'time per inference', function (r) { return r.timeUnit === 'instructions' ? 'instructions (emulated)' : 'cycles'; }],
    ['energyUj', 'energy per inference', function () { return 'uJ'; }],
    ['flashBytes', 'flash', function () { return 'bytes'; }],
    ['ramBytes', 'RAM', function () { return 'bytes'; }],
    ['accuracy', 'device accuracy', function () { return '%'; }]
  ];
  var SVG = 'http://www.w3.org/2000/svg';
  var W = 420, H = 140, PAD = 36;

  function el(tag, text) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    return e;
  }
  function chart(rows, key, title, unit) {
    var pts = rows.filter(function (r) { return typeof r[key] === 'number'; });
    if (pts.length === 0) return null;
    var vals = pts.map(function (r) { return r[key]; });
    var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
    if (hi === lo) { hi = hi + 1; lo = lo - 1; }
    var x = function (i) { return PAD + (pts.length === 1 ? 0 : (i * (W - 2 * PAD)) / (pts.length - 1)); };
    var y = function (v) { return H - PAD / 2 - ((v - lo) * (H - PAD)) / (hi - lo); };
    var fig = el('figure');
    fig.appendChild(el('figcaption', title + ' (' + unit + ')'));
    var s = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
    s.appendChild(svg('polyline', {
      points: pts.map(function (r, i) { return x(i).toFixed(1) + ',' + y(r[key]).toFixed(1); }).join(' '),
      fill: 'none', stroke: '#0969da', 'stroke-width': 2
    }));
    pts.forEach(function (r, i) {
      var c = svg('circle', { cx: x(i).toFixed(1), cy: y(r[key]).toFixed(1), r: 3, fill: '#0969da' });
      var t = svg('title', {});
      t.textContent = r.commit.slice(0, 12) + (r.ref ? ' (' + r.ref + ')' : '') + ': ' + r[key] + ' ' + unit + ', ' + r.createdAt;
      c.appendChild(t);
      s.appendChild(c);
    });
    var top = svg('text', { x: 2, y: 12, 'font-size': 10 }); top.textContent = String(hi);
    var bottom = svg('text', { x: 2, y: H - 4, 'font-size': 10 }); bottom.textContent = String(lo);
    s.appendChild(top); s.appendChild(bottom);
    fig.appendChild(s);
    return fig;
  }
  function render(index) {
    var root = document.getElementById('charts');
    var groups = {};
    var order = [];
    index.results.forEach(function (r) {
      var k = JSON.stringify([r.model, r.board, r.timeUnit]);
      if (!groups[k]) { groups[k] = []; order.push(k); }
      groups[k].push(r);
    });
    order.sort();
    document.getElementById('status').textContent =
      index.results.length + ' results, ' + order.length + ' model and board pairs';
    order.forEach(function (k) {
      var rows = groups[k].slice().sort(function (a, b) { return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0; });
      var sec = el('section');
      sec.appendChild(el('h2', rows[0].model + ' on ' + rows[0].board));
      METRICS.forEach(function (m) {
        var f = chart(rows, m[0], m[1], m[2](rows[0]));
        if (f) sec.appendChild(f);
      });
      root.appendChild(sec);
    });
  }
  fetch('index.json')
    .then(function (r) { if (!r.ok) throw new Error('index.json: HTTP ' + r.status); return r.json(); })
    .then(render)
    .catch(function (e) { document.getElementById('status').textContent = String(e && e.message ? e.message : e); });
})();
`;

/** The page, the same bytes on every write (so an unchanged page adds nothing to a commit). */
export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; connect-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>tinyml-gate history</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #1f2328; }
section { border-top: 1px solid #d0d7de; margin-top: 1em; }
figure { display: inline-block; margin: 0.5em 1em 0.5em 0; }
figcaption { font-weight: 600; }
</style>
</head>
<body>
<h1>tinyml-gate history</h1>
<p>Every recorded result over commits (oldest left). Emulated boards count instructions; their energy is modelled.</p>
<p id="status">loading index.json</p>
<div id="charts"></div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
