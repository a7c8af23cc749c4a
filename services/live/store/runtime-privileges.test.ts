import { describe, expect, it } from 'vitest';
import { runtimeGrants, type TableAccess } from './runtime-privileges.js';

const ACCESS: Record<string, TableAccess> = {
  ledger: { privileges: ['SELECT'], why: 'read at start' },
  queue: { privileges: ['SELECT', 'INSERT', 'UPDATE'], updatableColumns: ['sent_at'], why: 'queued, then marked sent' },
  state: { privileges: ['SELECT', 'UPDATE'], why: 'one row, moved' },
};
const OBJECTS = { tables: ['state', 'queue', 'ledger'], sequences: [{ table: 'queue', sequence: 'queue_seq_seq' }, { table: 'ledger', sequence: 'ledger_id_seq' }] };

describe('runtime grants', () => {
  it('revokes everything first, then grants each table its privileges, UPDATE by column where columns are listed', () => {
    const plan = runtimeGrants('verifier', 'verifier_run', OBJECTS, ACCESS);
    expect(plan).toEqual({
      ok: true,
      statements: [
        'REVOKE ALL ON SCHEMA "verifier" FROM "verifier_run"',
        'REVOKE ALL ON ALL TABLES IN SCHEMA "verifier" FROM "verifier_run", PUBLIC',
        'REVOKE ALL ON ALL SEQUENCES IN SCHEMA "verifier" FROM "verifier_run", PUBLIC',
        'GRANT USAGE ON SCHEMA "verifier" TO "verifier_run"',
        'GRANT SELECT ON TABLE "verifier"."ledger" TO "verifier_run"',
        'GRANT SELECT, INSERT ON TABLE "verifier"."queue" TO "verifier_run"',
        'GRANT UPDATE ("sent_at") ON TABLE "verifier"."queue" TO "verifier_run"',
        'GRANT SELECT, UPDATE ON TABLE "verifier"."state" TO "verifier_run"',
        'GRANT USAGE ON SEQUENCE "verifier"."queue_seq_seq" TO "verifier_run"',
      ],
    });
  });

  it('gives a sequence only to a table run inserts into', () => {
    const plan = runtimeGrants('v', 'r', OBJECTS, ACCESS);
    expect(plan.ok && plan.statements.filter((s) => s.includes('SEQUENCE "v".'))).toEqual(['GRANT USAGE ON SEQUENCE "v"."queue_seq_seq" TO "r"']);
  });

  it('refuses a table of the schema that has no entry, and an entry for a table the schema lacks', () => {
    const plan = runtimeGrants('v', 'r', { tables: ['state', 'queue', 'snapshots'], sequences: [] }, ACCESS);
    expect(plan).toEqual({
      ok: false,
      problems: [
        'table v.snapshots has no entry in the runtime privileges (services/live/store/runtime-privileges.ts): say what run does to it',
        'the runtime privileges name table ledger, which schema v does not have',
      ],
    });
  });

  it('quotes names, so a schema or role name cannot carry SQL', () => {
    const plan = runtimeGrants('v"; DROP TABLE x; --', 'r', { tables: ['ledger'], sequences: [] }, { ledger: ACCESS.ledger! });
    expect(plan.ok && plan.statements[0]).toBe('REVOKE ALL ON SCHEMA "v""; DROP TABLE x; --" FROM "r"');
  });
});
