// The alert rules: promtool accepts the config and the rules, their unit tests pass, every alert is
// tested firing and staying quiet, and every alert explains itself and links to its runbook section.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  alertRules, PROMETHEUS_CONFIG, promtool, readYaml, RULE_TESTS_DIR, RULES_FILE, RUNBOOK_URL_PREFIX, RUNBOOK_URL_TEMPLATE_PREFIX, runbookSections,
} from './ops-files.js';

// The rules table of docs/reconciliation-rules.md: each rule and its severity.
const RECONCILIATION_RULES: Record<string, 'critical' | 'warning'> = {
  OBJECTION_NOT_PROPAGATED: 'critical',
  OBJECTION_OVERDUE: 'warning',
  WITHDRAWAL_NOT_PROPAGATED: 'warning',
  UNKNOWN_DOWNSTREAM_OBJECTION: 'warning',
  OBJECTION_REVOKED_DOWNSTREAM: 'critical',
  SHARED_DESPITE_OBJECTION: 'critical',
};
const VERIFIER_ALERTS = [
  'OptOutVerifierDown', 'OptOutInputSilent', 'OptOutInputStalled', 'OptOutNoDecider', 'OptOutAlertsUnpublished', 'OptOutGpEventDeadLettered',
  'OptOutStreamTimeStuck', 'OptOutConsumerLagGrowing', 'OptOutDeadLettersSpiking',
];

const ruleTestFiles = readdirSync(new URL('../../infra/prometheus/tests/', import.meta.url))
  .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
  .map((f) => `${RULE_TESTS_DIR}/${f}`);

interface RuleTestFile {
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: { exp_annotations?: Record<string, string> }[] }[] }[];
}

describe('promtool', () => {
  it('accepts the Prometheus config of the compose stack, with its rule files', () => {
    const run = promtool(['check', 'config', PROMETHEUS_CONFIG]);
    expect(run.output).toContain('SUCCESS');
    expect(run.status, run.output).toBe(0);
  });

  it('accepts the alert rules', () => {
    const run = promtool(['check', 'rules', RULES_FILE]);
    expect(run.status, run.output).toBe(0);
  });

  it('passes the rules unit tests', () => {
    expect(ruleTestFiles.length).toBeGreaterThan(0);
    const run = promtool(['test', 'rules', ...ruleTestFiles]);
    expect(run.status, run.output).toBe(0);
  });
});

describe('alert rules', () => {
  const rules = alertRules();

  it('are named OptOut… in PascalCase, once each', () => {
    for (const rule of rules) expect(rule.alert).toMatch(/^OptOut[A-Z][A-Za-z]+$/);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('page for every reconciliation rule at its severity, the critical ones at once', () => {
    for (const [name, severity] of Object.entries(RECONCILIATION_RULES)) {
      const matching = rules.filter((r) => r.expr.includes(`rule="${name}"`));
      expect(matching.map((r) => r.alert), name).toHaveLength(1);
      const [rule] = matching;
      expect(rule?.labels?.severity, name).toBe(severity);
      if (severity === 'critical') expect(rule?.for, `${name} must fire at once`).toBeUndefined();
    }
  });

  it('watch the verifier itself', () => {
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(VERIFIER_ALERTS));
  });

  it('each carry a severity, a summary, a description and a runbook link to an existing section', () => {
    const sections = runbookSections();
    for (const rule of rules) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      const url = rule.annotations?.runbook_url ?? '';
      expect(url.startsWith(RUNBOOK_URL_TEMPLATE_PREFIX), `${rule.alert}: ${url}`).toBe(true);
      const anchor = url.slice(RUNBOOK_URL_TEMPLATE_PREFIX.length);
      expect(anchor, rule.alert).toBe(rule.alert.toLowerCase());
      expect([...sections.keys()], `${rule.alert}: no runbook heading for #${anchor}`).toContain(anchor);
    }
  });

  it('each have a runbook section that says what it means, how to confirm it, what to do and who to tell', () => {
    const sections = runbookSections();
    for (const rule of rules) {
      const text = sections.get(rule.alert.toLowerCase()) ?? '';
      for (const part of ['What it means', 'How to confirm', 'What to do', 'Who to tell']) {
        expect(text, `${rule.alert}: ${part}`).toContain(`### ${part}`);
      }
    }
  });

  it('render their runbook link, in the unit tests that promtool runs, as the default address and the alert\'s anchor', () => {
    let checked = 0;
    for (const file of ruleTestFiles) {
      for (const group of readYaml<RuleTestFile>(file).tests) {
        for (const check of group.alert_rule_test ?? []) {
          for (const expected of check.exp_alerts ?? []) {
            expect(expected.exp_annotations?.runbook_url, `${file}: ${check.alertname}`).toBe(`${RUNBOOK_URL_PREFIX}${check.alertname.toLowerCase()}`);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(rules.length);
  });

  it('each have a unit test where they fire and one where they stay quiet', () => {
    const fires = new Set<string>();
    const quiet = new Set<string>();
    for (const file of ruleTestFiles) {
      for (const group of readYaml<RuleTestFile>(file).tests) {
        for (const check of group.alert_rule_test ?? []) {
          ((check.exp_alerts ?? []).length > 0 ? fires : quiet).add(check.alertname);
        }
      }
    }
    for (const rule of rules) {
      expect(fires, `${rule.alert} never tested firing`).toContain(rule.alert);
      expect(quiet, `${rule.alert} never tested quiet`).toContain(rule.alert);
    }
  });
});
