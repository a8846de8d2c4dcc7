// What turns a chart's definition (plain JSON, the same for the HTML report, Jupyter and static
// images) into an ECharts option: formatters cannot travel as JSON, so they are attached here, by
// the unit each definition names. Evaluated in the browser and in QuickJS alike.
var scanlakeCharts = (function () {
  var UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

  // Digits grouped by thousands, exactly: numbers beyond 2^53 travel as decimal strings.
  function exact(value) {
    if (value === null || value === undefined || value === '') return '';
    var text = String(value);
    var match = /^(-?)(\d+)(\.\d+)?$/.exec(text);
    if (!match) return text;
    return match[1] + match[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (match[3] || '');
  }

  function bytes(value) {
    var v = Number(value);
    var sign = v < 0 ? '-' : '';
    v = Math.abs(v);
    var i = 0;
    while (v >= 1024 && i < UNITS.length - 1) { v /= 1024; i++; }
    var digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
    return sign + v.toFixed(digits) + ' ' + UNITS[i];
  }

  function short(value, unit) {
    if (unit === 'bytes') return bytes(value);
    var v = Number(value);
    if (unit === 'percent') return v.toFixed(0) + ' %';
    var a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(1) + ' G';
    if (a >= 1e6) return (v / 1e6).toFixed(1) + ' M';
    if (a >= 1e4) return (v / 1e3).toFixed(0) + ' k';
    return String(v);
  }

  // The exact figure a tooltip shows, with a short form after it for bytes.
  function full(value, unit) {
    if (value === null || value === undefined || value === '-') return '–';
    if (unit === 'bytes') return exact(value) + ' B (' + bytes(value) + ')';
    if (unit === 'percent') return Number(value).toFixed(2) + ' %';
    return exact(value);
  }

  function escape(text) {
    return String(text).replace(/[&<>"]/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c];
    });
  }

  function each(list, fn) {
    if (!list) return;
    (Array.isArray(list) ? list : [list]).forEach(fn);
  }

  // The largest value an axis must reach: stacked series add up per category.
  function largest(o) {
    var stacks = {}, max = 0;
    each(o.series, function (s) {
      (s.data || []).forEach(function (v, i) {
        var n = typeof v === 'number' ? v : (v && typeof v.value === 'number' ? v.value : 0);
        if (s.stack) {
          var key = s.stack + ':' + i;
          stacks[key] = (stacks[key] || 0) + Math.max(n, 0);
          max = Math.max(max, stacks[key]);
        } else {
          max = Math.max(max, Math.abs(n));
        }
      });
    });
    return max;
  }

  // A tick step of 1, 2 or 5 times a power of ten of a binary unit, for about five ticks.
  function binaryStep(max) {
    if (!(max > 0)) return 0;
    var unit = 1;
    while (max / unit >= 1024) unit *= 1024;
    var raw = max / unit / 5, pow = Math.pow(10, Math.floor(Math.log10(raw)));
    var nice = [1, 2, 5, 10].map(function (m) { return m * pow; }).find(function (m) { return m >= raw; });
    return nice * unit;
  }

  // The chart's definition with formatters attached. `definition.unit` is the value's unit;
  // `definition.valueAxis` names the axis that carries it ('x' or 'y').
  function option(definition) {
    var o = JSON.parse(JSON.stringify(definition.option));
    var unit = definition.unit;
    o.animation = false;
    var step = unit === 'bytes' ? binaryStep(largest(o)) : 0;
    each(o[definition.valueAxis === 'x' ? 'xAxis' : 'yAxis'], function (axis) {
      if (axis.type === 'value') {
        axis.axisLabel = axis.axisLabel || {};
        axis.axisLabel.formatter = function (v) { return short(v, unit); };
        // Ticks at round binary sizes (1 GiB, 2 GiB, 5 GiB …), not at 27.9 GiB.
        if (step > 0) {
          axis.interval = step;
          axis.max = Math.ceil(largest(o) / step) * step || step;
        }
      }
    });
    o.tooltip = o.tooltip || {};
    if (definition.kind === 'treemap' || definition.kind === 'sunburst') {
      o.tooltip.formatter = function (p) {
        var path = (p.treePathInfo || []).slice(1).map(function (n) { return n.name; }).join('/');
        return '<b>' + escape(path || p.name) + '</b><br>' + full(p.value, unit);
      };
      each(o.series, function (s) {
        s.label = s.label || {};
        s.label.formatter = function (p) { return p.name + '\n' + short(p.value, unit); };
      });
    } else if (definition.kind === 'gantt') {
      // Each item is [lane, start, end]: a bar across that span, three fifths of a lane high.
      each(o.series, function (s) {
        s.renderItem = function (params, api) {
          var lane = api.value(0), from = api.coord([api.value(1), lane]), to = api.coord([api.value(2), lane]);
          var height = api.size([0, 1])[1] * 0.6;
          return {
            type: 'rect',
            shape: { x: from[0], y: from[1] - height / 2, width: Math.max(to[0] - from[0], 2), height: height },
            style: api.style(),
          };
        };
      });
      o.tooltip.formatter = function (p) {
        var v = p.value, took = Number(v[2]) - Number(v[1]);
        return '<b>' + escape(p.name) + '</b> (' + escape(p.seriesName) + ')' +
          (p.data.outcome ? ', ' + escape(p.data.outcome) : '') + '<br>' +
          Number(v[1]).toFixed(1) + ' s → ' + Number(v[2]).toFixed(1) + ' s: ' + took.toFixed(1) + ' s';
      };
    } else if (definition.kind === 'heatmap') {
      o.tooltip.formatter = function (p) {
        return '<b>' + escape(definition.categories.y[p.value[1]]) + ' × ' +
          escape(definition.categories.x[p.value[0]]) + '</b><br>' + full(p.value[2], unit);
      };
      each(o.visualMap, function (vm) { vm.formatter = function (v) { return short(v, unit); }; });
    } else {
      o.tooltip.valueFormatter = function (v) { return full(v, unit); };
    }
    return o;
  }

  return { option: option, exact: exact, bytes: bytes, full: full, short: short, escape: escape };
})();
if (typeof globalThis !== 'undefined') globalThis.scanlakeCharts = scanlakeCharts;
