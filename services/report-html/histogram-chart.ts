import { max } from 'd3-array';
import { scaleBand, scaleLinear } from 'd3-scale';
import type { LatencyBucket } from '../core/latency-histogram.js';
import { count, esc } from './html-escape.js';

// A distribution of durations over the report's fixed buckets, as static SVG (see timeline-chart.ts).

const W = 960;
const H = 220;
const M = { top: 16, right: 16, bottom: 36, left: 48 };

function span(ms: number): string {
  const hour = 3_600_000;
  if (ms === 0) return '0';
  if (ms < 24 * hour) return `${ms / hour}h`;
  return `${ms / (24 * hour)}d`;
}

export function bucketLabel(buckets: readonly LatencyBucket[], i: number): string {
  const b = buckets[i]!;
  if (b.upToMs === 0) return 'at once';
  const lower = i > 0 ? buckets[i - 1]!.upToMs : null;
  if (b.upToMs === null) return `> ${span(lower ?? 0)}`;
  return lower === null || lower === 0 ? `≤ ${span(b.upToMs)}` : `${span(lower)}–${span(b.upToMs)}`;
}

export function histogramChart(buckets: readonly LatencyBucket[], label: string, colour: string): string {
  const total = buckets.reduce((n, b) => n + b.count, 0);
  if (total === 0) return `<p>${esc(label)}: nothing to show.</p>`;
  const labels = buckets.map((_, i) => bucketLabel(buckets, i));
  const x = scaleBand<number>().domain(buckets.map((_, i) => i)).range([M.left, W - M.right]).padding(0.15);
  const y = scaleLinear().domain([0, max(buckets, (b) => b.count) ?? 1]).range([H - M.bottom, M.top]).nice();
  const parts: string[] = [];
  for (const tick of y.ticks(4)) {
    parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}"/><text class="axis" x="${M.left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${tick}</text>`);
  }
  buckets.forEach((b, i) => {
    const bx = x(i)!;
    const cx = (bx + x.bandwidth() / 2).toFixed(1);
    parts.push(`<g class="bucket"><title>${esc(`${labels[i]}: ${count(b.count)}`)}</title><rect x="${bx.toFixed(1)}" y="${y(b.count).toFixed(1)}" width="${x.bandwidth().toFixed(1)}" height="${(y(0) - y(b.count)).toFixed(1)}" fill="${colour}"/>`
      + (b.count > 0 ? `<text class="value" x="${cx}" y="${(y(b.count) - 3).toFixed(1)}" text-anchor="middle">${count(b.count)}</text>` : '')
      + `<text class="axis" x="${cx}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(labels[i])}</text></g>`);
  });
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}">${parts.join('')}</svg>`;
}
