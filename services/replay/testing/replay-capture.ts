import { vi } from 'vitest';
import type { StreamName } from '../../core/records.js';
import { main as replay } from '../main.js';

export interface Captured { readonly code: number; readonly stdout: string; readonly stderr: string }

/** Runs `optout-verifier replay` in this process over four files, capturing what it prints. */
export async function captureReplay(files: { readonly [S in StreamName]: string }, report: string, extra: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await replay(['--gp-events', files.gpEvents, '--nds-received', files.ndsReceived, '--nds-manifests', files.ndsManifests, '--nds-disseminations', files.ndsDisseminations, '--report', report, '--no-progress', ...extra], env);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
