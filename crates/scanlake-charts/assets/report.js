// The HTML report's behaviour: draw each chart from its definition, and give every chart's data
// and every table a sortable, filterable table view. Data comes from the page's JSON block.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('scanlake-data').textContent);
  var C = scanlakeCharts;

  function cellText(value, unit) {
    if (value === null || value === undefined) return '';
    if (unit === 'bytes' || unit === 'count') return C.exact(value);
    if (unit === 'percent') return Number(value).toFixed(2);
    return String(value);
  }

  // A sortable, filterable table of `table` inside `box` (coverage.py's way: aria-sort and
  // numeric sort keys; the filter keeps rows whose text contains every word typed).
  function buildTable(box, table, id) {
    var filter = document.createElement('input');
    filter.type = 'search';
    filter.placeholder = 'Filter rows…';
    filter.className = 'filter';
    filter.setAttribute('aria-label', 'Filter rows');
    var count = document.createElement('span');
    count.className = 'count';
    var el = document.createElement('table');
    el.id = id + '-table';
    var thead = el.createTHead().insertRow();
    table.columns.forEach(function (col, i) {
      var th = document.createElement('th');
      th.textContent = col.name;
      th.scope = 'col';
      th.tabIndex = 0;
      th.dataset.column = i;
      if (col.unit === 'bytes' || col.unit === 'count' || col.unit === 'percent') th.className = 'num';
      th.setAttribute('aria-sort', 'none');
      thead.appendChild(th);
    });
    var tbody = el.createTBody();
    var rows = table.rows.map(function (row) {
      var tr = document.createElement('tr');
      row.forEach(function (v, i) {
        var td = tr.insertCell();
        var unit = table.columns[i].unit;
        td.textContent = cellText(v, unit);
        if (unit === 'bytes' || unit === 'count' || unit === 'percent') {
          td.className = 'num';
          if (unit === 'bytes' && v !== null) td.title = C.bytes(v);
        }
      });
      tbody.appendChild(tr);
      return { tr: tr, values: row, text: tr.textContent.toLowerCase() };
    });
    function show() {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (r) {
        var keep = words.every(function (w) { return r.text.indexOf(w) >= 0; });
        r.tr.hidden = !keep;
        if (keep) shown++;
      });
      count.textContent = shown + ' of ' + rows.length + ' rows';
    }
    function sortBy(th) {
      var i = Number(th.dataset.column);
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(thead.children, function (h) { h.setAttribute('aria-sort', 'none'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var numeric = th.className === 'num';
      rows.sort(function (a, b) {
        var x = a.values[i], y = b.values[i];
        var d;
        if (x === null || x === undefined) d = (y === null || y === undefined) ? 0 : -1;
        else if (y === null || y === undefined) d = 1;
        else if (numeric) d = compareNumbers(x, y);
        else d = String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
        return ascending ? d : -d;
      });
      rows.forEach(function (r) { tbody.appendChild(r.tr); });
    }
    thead.addEventListener('click', function (e) { if (e.target.tagName === 'TH') sortBy(e.target); });
    thead.addEventListener('keydown', function (e) {
      if (e.target.tagName === 'TH' && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); sortBy(e.target); }
    });
    var timer;
    filter.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(show, 120); });
    var bar = document.createElement('div');
    bar.className = 'table-tools';
    bar.appendChild(filter);
    bar.appendChild(count);
    box.appendChild(bar);
    var scroll = document.createElement('div');
    scroll.className = 'scroll';
    scroll.appendChild(el);
    box.appendChild(scroll);
    show();
  }

  // Exact comparison of integers that may travel as decimal strings.
  function compareNumbers(x, y) {
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    try { var a = BigInt(String(x).split('.')[0]), b = BigInt(String(y).split('.')[0]); return a < b ? -1 : a > b ? 1 : 0; }
    catch (e) { return Number(x) - Number(y); }
  }

  var charts = {};
  data.charts.forEach(function (def) {
    var figure = document.getElementById(def.id);
    if (!figure) return;
    var chart = echarts.init(figure.querySelector('.plot'), null, { renderer: 'svg' });
    chart.setOption(C.option(def));
    charts[def.id] = chart;
    figure.querySelector('.plot').dataset.ready = 'true';
    buildTable(figure.querySelector('.table-box'), def.table, def.id);
    if (def.kind === 'treemap' || def.kind === 'sunburst') {
      var crumb = figure.querySelector('.breadcrumb');
      var root = (def.option.series[0].data[0] || {}).path || '';
      crumb.hidden = false;
      crumb.textContent = root;
      chart.on('click', function (p) {
        var path = p.data && p.data.path;
        if (path) crumb.textContent = path;
      });
      figure.addEventListener('dblclick', function () { crumb.textContent = root; });
    }
  });
  data.tables.forEach(function (t) {
    var el = document.getElementById(t.id);
    if (el) buildTable(el.querySelector('.table-box'), t.table, t.id);
  });
  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
  window.addEventListener('beforeprint', function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
  // Headline figures: exact digits grouped, bytes with a short form beside.
  Array.prototype.forEach.call(document.querySelectorAll('.figure'), function (f) {
    var unit = f.dataset.unit;
    Array.prototype.forEach.call(f.querySelectorAll('[data-exact]'), function (v) {
      var exact = v.dataset.exact;
      var sign = v.className === 'change' && exact.charAt(0) !== '-' ? '+' : '';
      v.textContent = sign + C.exact(exact) + (unit === 'bytes' ? ' B' : '');
      if (unit === 'bytes') v.title = C.bytes(exact);
      if (unit === 'bytes' && v.className === 'value') {
        var s = document.createElement('div');
        s.className = 'short';
        s.textContent = C.bytes(exact);
        f.insertBefore(s, v.nextSibling);
      }
    });
  });
  window.scanlakeReport = { charts: charts, data: data };
})();
