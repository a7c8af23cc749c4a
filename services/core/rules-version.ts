// The version of the reconciliation rules this core implements (docs/reconciliation-rules.md), recorded in
// every replay report.
export const RULES_VERSION = '1.1';
