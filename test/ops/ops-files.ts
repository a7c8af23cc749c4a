// Reads the operations files (Prometheus rules and their tests, runbook, metrics) for the ops tests.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { createVerifierMetrics } from '../../services/live/ops/metrics.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const at = (...parts: string[]): string => join(repoRoot, ...parts);

export const RULES_FILE = 'infra/prometheus/rules/optout-verifier.rules.yml';
export const PROMETHEUS_CONFIG = 'infra/prometheus/prometheus.yml';
export const RULE_TESTS_DIR = 'infra/prometheus/tests';
export const RUNBOOK = 'infra/runbook.md';
/** The runbook's address when Prometheus has no `runbook_base_url` external label. */
export const DEFAULT_RUNBOOK_BASE_URL = 'https://github.com/optout-verifier/optout-verifier/blob/main/infra/runbook.md';
/** Each rule's runbook_url as written: the external label `runbook_base_url` when set, else the default; then `#anchor`. */
export const RUNBOOK_URL_TEMPLATE_PREFIX = `{{ or $externalLabels.runbook_base_url "${DEFAULT_RUNBOOK_BASE_URL}" }}#`;
/** A runbook_url as rendered without the external label (promtool's unit tests cannot set external labels before 2.46). */
export const RUNBOOK_URL_PREFIX = `${DEFAULT_RUNBOOK_BASE_URL}#`;

export function readYaml<T>(path: string): T {
  return parse(readFileSync(at(path), 'utf8')) as T;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const file = readYaml<{ groups: { name: string; rules: (AlertRule | { record: string; expr: string })[] }[] }>(RULES_FILE);
  return file.groups.flatMap((g) => g.rules).filter((r): r is AlertRule => 'alert' in r);
}

export interface PromtoolRun { status: number | null; output: string }

/** Runs promtool; fails loudly when it is not installed (CI installs it: Debian package `prometheus`). */
export function promtool(args: string[], input?: string): PromtoolRun {
  const run = spawnSync('promtool', args, { cwd: repoRoot, encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  if (run.error) throw new Error(`promtool could not be run (${run.error.message}); install the Debian package "prometheus"`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** Anchors of the runbook's headings, with the text under each `##` section. */
export function runbookSections(): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  for (const line of readFileSync(at(RUNBOOK), 'utf8').split('\n')) {
    const heading = /^##\s+(.+)$/.exec(line);
    if (heading?.[1] !== undefined) {
      current = githubSlug(heading[1]);
      sections.set(current, '');
    } else if (current !== undefined) {
      sections.set(current, `${sections.get(current) ?? ''}${line}\n`);
    }
  }
  return sections;
}

/** Every series name the verifier exports: histogram series as _bucket, _sum and _count. */
export async function exportedSeriesNames(): Promise<Set<string>> {
  const registry = new Registry();
  createVerifierMetrics(registry, { version: 'test' });
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    else names.add(metric.name);
  }
  return names;
}

/** The verifier's metric names a PromQL expression refers to. */
export function verifierMetricsIn(expr: string): string[] {
  return [...expr.matchAll(/\boptout_verifier_[a-z0-9_]+/g)].map((m) => m[0]);
}
