import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { SHIPPED_CATALOGUE_PATH } from '../contract/shipped-catalogue.js';
import { STREAM_NAMES, type StreamName } from '../core/records.js';
import { RULES_VERSION } from '../core/rules-version.js';
import { keyFingerprint } from '../identity/key-fingerprint.js';
import { PACKAGE_ROOT, packageFile } from '../package-root.js';

// What a report depends on, recorded in it so that an auditor can tell two reports apart when their alerts
// differ: the tool, the rules' version, the catalogue's bytes, how patient references were keyed, and each
// input's bytes. Nothing here varies between two runs of the same checkout over the same files: no clock,
// no host name, no absolute path the user did not give.

export type KeyProvenance =
  | { readonly mode: 'key-file'; readonly keyFile: string; readonly fingerprint: string; readonly statement: string }
  | { readonly mode: 'derived-from-inputs'; readonly fingerprint: string; readonly statement: string };

export interface Provenance {
  readonly tool: { readonly name: 'optout-verifier'; readonly version: string; readonly gitCommit: string | null; readonly gitCommitFrom: 'environment' | 'git' | null };
  readonly rulesVersion: string;
  readonly catalogue: { readonly path: string; readonly shipped: boolean; readonly sha256: string };
  readonly pseudonymKey: KeyProvenance;
  readonly inputs: { readonly [S in StreamName]: { readonly path: string; readonly name: string; readonly bytes: number; readonly hmacSha256: string } };
}

export function keyProvenance(key: Buffer, keyFile: string | null): KeyProvenance {
  const fingerprint = keyFingerprint(key);
  if (keyFile !== null) {
    return { mode: 'key-file', keyFile, fingerprint, statement: 'patientRef is HMAC-SHA256 of the NHS number under the key in keyFile; the same key gives the same references in any run, live or replayed' };
  }
  return {
    mode: 'derived-from-inputs', fingerprint,
    statement: 'no key was given: patientRef is HMAC-SHA256 of the NHS number under a key derived from unpublished digests of the objection-side inputs; references are stable for these inputs only and cannot be compared with any other run',
  };
}

export async function sha256OfFile(path: string | URL): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

export async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(packageFile('package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/**
 * The commit: a value the build stamped (`fromEnvironment`, e.g. an image's build argument) wins; otherwise
 * `git rev-parse HEAD` in the package's own folder, which is the same for every run of one checkout; otherwise
 * unknown. Uncommitted changes in a checkout are not detected. Asked synchronously (some milliseconds), before the
 * run's threads start: an asynchronous child's time limit, counted on the event loop, could expire while a busy
 * thread held the loop and discard an answer git had already given, and the report would change.
 */
export function gitCommit(fromEnvironment: string | undefined): { commit: string | null; from: 'environment' | 'git' | null } {
  if (fromEnvironment !== undefined && /^[0-9a-f]{7,64}$/i.test(fromEnvironment.trim())) return { commit: fromEnvironment.trim().toLowerCase(), from: 'environment' };
  let text = '';
  try {
    text = execFileSync('git', ['rev-parse', '--verify', '-q', 'HEAD'], { cwd: PACKAGE_ROOT, timeout: 5_000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // No git, not a checkout, no commit yet, or no answer in time: unknown.
  }
  return /^[0-9a-f]{40,64}$/.test(text) ? { commit: text, from: 'git' } : { commit: null, from: null };
}

export interface ProvenanceFacts {
  readonly version: string;
  readonly commit: { readonly commit: string | null; readonly from: 'environment' | 'git' | null };
  readonly catalogue: { readonly path: string | null; readonly sha256: string };
  readonly key: KeyProvenance;
  readonly inputs: { readonly [S in StreamName]: { readonly path: string; readonly bytes: number; readonly hmacSha256: string } };
}

/** The provenance block, from facts gathered by the composition root. */
export function provenanceOf(facts: ProvenanceFacts): Provenance {
  return {
    tool: { name: 'optout-verifier', version: facts.version, gitCommit: facts.commit.commit, gitCommitFrom: facts.commit.from },
    rulesVersion: RULES_VERSION,
    catalogue: { path: facts.catalogue.path ?? SHIPPED_CATALOGUE_PATH, shipped: facts.catalogue.path === null, sha256: facts.catalogue.sha256 },
    pseudonymKey: facts.key,
    inputs: Object.fromEntries(STREAM_NAMES.map((s) => {
      const input = facts.inputs[s];
      return [s, { path: input.path, name: basename(input.path), bytes: input.bytes, hmacSha256: input.hmacSha256 }];
    })) as Provenance['inputs'],
  };
}
