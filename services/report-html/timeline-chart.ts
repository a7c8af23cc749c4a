import { max } from 'd3-array';
import { scaleLinear, scaleUtc } from 'd3-scale';
import { esc } from './html-escape.js';
import type { ReportFacts } from './report-facts.js';
import { WEEK } from './utc-week.js';

// Alerts opened (above the axis) and resolved (below it) per week, stacked by supplier, as static SVG drawn
// here in Node with d3-scale's scales and ticks: the page carries no script for its charts, prints as drawn,
// and needs no network. Each half has its own scale, so that a flood of late arrivals resolving in one week
// does not flatten the weeks of alerts opening. Each week with alerts is one <g class="week">.

const W = 960;
const H = 360;
const M = { top: 24, right: 16, bottom: 28, left: 64 };
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

export function timelineChart(facts: ReportFacts, colours: ReadonlyMap<string, string>): string {
  if (facts.weeks.length === 0) return '<p>No alert was opened or resolved.</p>';
  const first = facts.weeks[0]!.week;
  const last = facts.weeks[facts.weeks.length - 1]!.week + WEEK;
  const windows = facts.faultWindows;
  const from = Math.min(first, ...windows.map((w) => w.fromMs));
  const to = Math.max(last, ...windows.map((w) => w.toMs));
  const x = scaleUtc().domain([new Date(from), new Date(to)]).range([M.left, W - M.right]);
  const sum = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((n, v) => n + v, 0);
  const peakUp = max(facts.weeks, (w) => sum(w.opened)) ?? 0;
  const peakDown = max(facts.weeks, (w) => sum(w.resolved)) ?? 0;
  const mid = M.top + (H - M.top - M.bottom) / 2;
  const yUp = scaleLinear().domain([0, Math.max(peakUp, 1)]).range([mid, M.top]).nice();
  const yDown = scaleLinear().domain([0, Math.max(peakDown, 1)]).range([mid, H - M.bottom]).nice();
  const barWidth = Math.max(1, x(new Date(from + WEEK)) - x(new Date(from)) - 0.5);
  const parts: string[] = [];
  for (const w of windows) {
    const x0 = x(new Date(w.fromMs));
    parts.push(`<rect class="fault" x="${x0.toFixed(1)}" y="${M.top}" width="${(x(new Date(w.toMs)) - x0).toFixed(1)}" height="${H - M.top - M.bottom}"><title>${esc(`${w.profile} at ${w.supplier}: ${day(w.fromMs)} to ${day(w.toMs)}`)}</title></rect>`);
    parts.push(`<text class="fault-label" x="${(x0 + 4).toFixed(1)}" y="${M.top + 12}">${esc(`fault: ${w.profile} (${w.supplier})`)}</text>`);
  }
  for (const y of [yUp, yDown]) {
    for (const tick of y.ticks(4)) {
      if (tick === 0) continue;
      parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}"/>`);
      parts.push(`<text class="axis" x="${M.left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${tick}</text>`);
    }
  }
  for (const tick of x.ticks(8)) {
    parts.push(`<text class="axis" x="${x(tick).toFixed(1)}" y="${H - 8}" text-anchor="middle">${esc(x.tickFormat(8)(tick))}</text>`);
  }
  for (const w of facts.weeks) {
    const bx = x(new Date(w.week)).toFixed(1);
    const title = `Week of ${day(w.week)}: ${sum(w.opened)} opened, ${sum(w.resolved)} resolved${[...colours.keys()].filter((s) => w.opened.has(s) || w.resolved.has(s)).map((s) => `; ${s} ${w.opened.get(s) ?? 0} opened, ${w.resolved.get(s) ?? 0} resolved`).join('')}`;
    const rects: string[] = [];
    let up = 0;
    let down = 0;
    for (const [supplier, colour] of colours) {
      const o = w.opened.get(supplier) ?? 0;
      if (o > 0) rects.push(`<rect x="${bx}" y="${yUp(up + o).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${Math.max(0.5, yUp(up) - yUp(up + o)).toFixed(1)}" fill="${colour}"/>`);
      up += o;
      const r = w.resolved.get(supplier) ?? 0;
      if (r > 0) rects.push(`<rect x="${bx}" y="${yDown(down).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${Math.max(0.5, yDown(down + r) - yDown(down)).toFixed(1)}" fill="${colour}" fill-opacity="0.45" stroke="${colour}" stroke-width="0.5"/>`);
      down += r;
    }
    parts.push(`<g class="week" data-week="${day(w.week)}"><title>${esc(title)}</title>${rects.join('')}</g>`);
  }
  parts.push(`<line class="zero" x1="${M.left}" x2="${W - M.right}" y1="${mid.toFixed(1)}" y2="${mid.toFixed(1)}"/>`);
  parts.push(`<text class="axis" x="4" y="${(M.top + mid) / 2}">opened</text><text class="axis" x="4" y="${(mid + H - M.bottom) / 2}">resolved</text>`);
  const legend = [...colours].map(([s, c]) => `<span class="key"><span class="swatch" style="background:${c}"></span>${esc(s)}</span>`).join(' ');
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Alerts opened and resolved per week, by supplier">${parts.join('')}</svg><p class="legend">${legend}${windows.length > 0 ? ' <span class="key"><span class="swatch fault-swatch"></span>fault window (from the scenario)</span>' : ''}</p>`;
}
