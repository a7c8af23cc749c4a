// The page's own style and script, inline: the file opens from disk with no network, no fonts and no CDN.

export const PAGE_STYLE = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; margin: 0 auto; max-width: 1040px; padding: 24px; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.25em; margin: 32px 0 8px; border-bottom: 2px solid #1b1b1b; padding-bottom: 2px; }
.subtitle { color: #444; margin: 0 0 16px; }
.summary { font-size: 1.1em; background: #f3f6f9; border-left: 6px solid #0b4f8a; padding: 12px 20px; }
.summary p { margin: 6px 0; }
.summary .headline { font-size: 1.3em; font-weight: 600; }
.warning { background: #fff4e5; border-left: 6px solid #b35900; padding: 8px 16px; }
.chart { width: 100%; height: auto; display: block; }
.chart text { font-size: 11px; fill: #333; }
.chart .value { font-size: 10px; }
.chart .grid { stroke: #ddd; stroke-width: 1; }
.chart .zero { stroke: #333; stroke-width: 1; }
.chart .fault { fill: #c00; fill-opacity: 0.09; stroke: #c00; stroke-opacity: 0.5; stroke-dasharray: 4 3; }
.chart .fault-label { fill: #a00; font-weight: 600; }
.legend { font-size: 0.9em; }
.key { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; border: 1px solid #0003; }
.fault-swatch { background: #c001; border: 1px dashed #c00; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; margin: 8px 0 16px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f4; cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " ▲"; }
th[aria-sort="descending"]::after { content: " ▼"; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.ref { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.85em; white-space: nowrap; }
.when { white-space: nowrap; }
#alerts { font-size: 0.75em; }
#alerts td, #alerts th { padding: 2px 4px; }
#alerts .rule { word-break: break-word; }
.critical { color: #a00; font-weight: 600; }
dl.provenance { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; font-size: 0.9em; }
dl.provenance dt { font-weight: 600; }
dl.provenance dd { margin: 0; word-break: break-all; }
.search { font-size: 1em; padding: 4px 8px; width: 24em; max-width: 100%; }
footer { margin-top: 32px; color: #555; font-size: 0.85em; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  .no-print { display: none; }
  h2 { break-after: avoid; }
  .chart, .summary, tr { break-inside: avoid; }
  th { cursor: auto; }
}
`;

// Sorting and searching only: the page reads fully without it (tables print in their written order).
export const PAGE_SCRIPT = `
(function () {
  function key(cell, numeric) {
    var v = cell.hasAttribute('data-sort') ? cell.getAttribute('data-sort') : cell.textContent;
    return numeric ? Number(String(v).replace(/,/g, '')) : String(v);
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('th').forEach(function (th) {
      th.addEventListener('click', function () {
        var col = Number(th.getAttribute('data-col'));
        var numeric = th.hasAttribute('data-numeric');
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        table.querySelectorAll('th').forEach(function (other) { other.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col], numeric), y = key(b.cells[col], numeric);
          var c = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  var search = document.getElementById('alert-search');
  var shown = document.getElementById('alert-shown');
  if (search) {
    var rows = Array.prototype.slice.call(document.querySelectorAll('#alerts tbody tr'));
    var texts = rows.map(function (row) {
      return Array.prototype.map.call(row.cells, function (cell) {
        return cell.textContent + ' ' + (cell.getAttribute('data-sort') || '');
      }).join(' ').toLowerCase();
    });
    search.addEventListener('input', function () {
      var words = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
      var n = 0;
      rows.forEach(function (row, i) {
        var hit = words.every(function (w) { return texts[i].indexOf(w) >= 0; });
        row.hidden = !hit;
        if (hit) n++;
      });
      if (shown) shown.textContent = n.toLocaleString('en-GB');
    });
  }
})();
`;
