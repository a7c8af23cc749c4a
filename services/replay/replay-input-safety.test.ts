// The replay against hostile or mistaken files and paths: a deflate bomb, an over-long line, a report path
// that is an input or a device, an empty input, one file given twice.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeflateRaw } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeBlockPrefix, encodeHeader } from '../codec/container-format.js';
import { streamSchemaJson } from '../codec/schema-catalog.js';
import type { StreamName } from '../core/records.js';
import { main as replay } from './main.js';

const MIB = 1 << 20;
const T = '2018-01-15T09:30:00.000Z';
const LINES: Record<StreamName, string[]> = {
  gpEvents: [JSON.stringify({ eventId: 'e1', nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'TPP', code: '9Nu0', recordedAt: T })],
  ndsReceived: [JSON.stringify({ receiptId: 'r1', nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'TPP', code: '9Nu0', sourceEventId: 'e1', extractId: 'x1', receivedAt: T })],
  ndsManifests: [JSON.stringify({ extractId: 'x1', supplier: 'TPP', practiceOds: 'A81001', coversUpTo: T, receivedAt: T, recordCount: 1 })],
  ndsDisseminations: [JSON.stringify({ disseminationId: 'd1', nhsNumber: '9990000026', recipient: 'Unit', purpose: 'RESEARCH', sharedAt: T })],
};
let dir: string;
let files: Record<StreamName, string>;

interface Captured { code: number; stdout: string; stderr: string }

async function run(inputs: Record<StreamName, string>, report: string, extra: string[] = []): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk, ...rest) => {
    stdout += String(chunk);
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await replay(['--gp-events', inputs.gpEvents, '--nds-received', inputs.ndsReceived, '--nds-manifests', inputs.ndsManifests,
      '--nds-disseminations', inputs.ndsDisseminations, '--report', report, '--no-progress', ...extra]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

async function streamTo(path: string, chunks: Iterable<string | Buffer>): Promise<void> {
  const out = createWriteStream(path);
  for (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'close');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'optout-replay-safety-'));
  files = {} as Record<StreamName, string>;
  for (const [stream, lines] of Object.entries(LINES)) {
    files[stream as StreamName] = join(dir, `${stream}.ndjson`);
    await writeFile(files[stream as StreamName], `${lines.join('\n')}\n`);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('replay limits', () => {
  it('reads a dissemination file holding a deflate bomb: the block is a dead letter at the limit, the run goes on', async () => {
    // 512 MiB of zeros deflated to about half a megabyte, as one block of a container; the disseminations are
    // read on a worker thread, so this also checks that the limits reach it.
    const deflate = createDeflateRaw({ level: 9 });
    const packed: Buffer[] = [];
    deflate.on('data', (c: Buffer) => packed.push(c));
    const zeros = Buffer.alloc(MIB);
    for (let i = 0; i < 512; i++) if (!deflate.write(zeros)) await once(deflate, 'drain');
    deflate.end();
    await once(deflate, 'end');
    const bomb = Buffer.concat(packed);
    const sync = Buffer.alloc(16, 3);
    const path = join(dir, 'bomb.avro');
    await streamTo(path, [encodeHeader({ schemaText: JSON.stringify(streamSchemaJson('ndsDisseminations')), codec: 'deflate', sync }), encodeBlockPrefix(10, bomb.length), bomb, sync]);
    expect((await stat(path)).size).toBeLessThan(2 * MIB);
    const result = await run({ ...files, ndsDisseminations: path }, join(dir, 'bomb.json'), ['--max-block-bytes', '8MiB']);
    expect(result.code).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'bomb.json'), 'utf8'));
    expect(report.deadLetters.records).toEqual([{ input: 'ndsDisseminations', position: 1, reason: 'UNDECODABLE',
      detail: `a block of 10 records is larger than ${8 * MIB} bytes once inflated (--max-block-bytes); its records were not read` }]);
  });

  it('reads past an over-long NDJSON line, generated as a stream: one dead letter naming the limit', async () => {
    const path = join(dir, 'long.ndjson');
    const piece = 'x'.repeat(MIB);
    await streamTo(path, (function* () {
      yield '{"eventId":"';
      for (let i = 0; i < 24; i++) yield piece;
      yield `"}\n${LINES.gpEvents[0]}\n`;
    })());
    const result = await run({ ...files, gpEvents: path }, join(dir, 'long.json'));
    expect(result.code).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'long.json'), 'utf8'));
    expect(report.deadLetters.records).toEqual([{ input: 'gpEvents', position: 1, reason: 'UNDECODABLE', detail: `the line is longer than ${MIB} bytes (--max-line-bytes); it was not read` }]);
    expect(report.inputs.gpEvents.records).toBe(2);
  });

  it('takes the limits as sizes, and refuses what is not one with one line', async () => {
    const result = await run(files, join(dir, 'x.json'), ['--max-line-bytes', '2 lines', '--max-record-bytes', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain("--max-line-bytes '2 lines' is not a size");
    expect(result.stderr).toContain("--max-record-bytes '0' is not a size");
  });
});

describe('replay report path', () => {
  it('refuses a report path that is one of the inputs, by inode (a hard link too), and leaves the input intact', async () => {
    const before = await readFile(files.ndsManifests);
    const link = join(dir, 'manifests-link.ndjson');
    await rm(link, { force: true });
    await (await import('node:fs/promises')).link(files.ndsManifests, link);
    for (const report of [files.ndsManifests, link]) {
      const result = await run(files, report);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`optout-verifier replay: --report ${report} is the file given as --nds-manifests: the report would overwrite it (see optout-verifier replay --help)\n`);
    }
    expect((await readFile(files.ndsManifests)).equals(before)).toBe(true);
  });

  it('refuses a directory, a device and a symbolic link (to a device), and leaves the link in place', async () => {
    const folder = join(dir, 'a-folder');
    await mkdir(folder, { recursive: true });
    const link = join(dir, 'to-null');
    await rm(link, { force: true });
    await symlink('/dev/null', link);
    for (const [report, kind] of [[folder, 'a directory'], ['/dev/null', 'a device'], [link, 'a symbolic link']] as const) {
      const result = await run(files, report);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`optout-verifier replay: --report ${report} is ${kind}: give a new path or a regular file (or - for stdout) (see optout-verifier replay --help)\n`);
    }
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('/dev/null');
  });

  it('writes the report to stdout for --report -, the same bytes as to a file, with the summary on stderr', async () => {
    const toFile = await run(files, join(dir, 'same.json'));
    expect(toFile.code).toBe(0);
    const toStdout = await run(files, '-');
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout).toBe(await readFile(join(dir, 'same.json'), 'utf8'));
    expect(toStdout.stderr).toContain('alerts:');
  });

  it('overwrites a regular file it does not read', async () => {
    const path = join(dir, 'old-report.json');
    await writeFile(path, 'old');
    expect((await run(files, path)).code).toBe(0);
    expect(JSON.parse(await readFile(path, 'utf8')).inputs.gpEvents.records).toBe(1);
  });
});

describe('replay input warnings', () => {
  it('warns about an empty input and lists it in the report; a report without warnings has no such field', async () => {
    const empty = join(dir, 'empty.ndjson');
    await writeFile(empty, '');
    const emptyAvro = join(dir, 'empty.avro');
    await writeFile(emptyAvro, '');
    const result = await run({ ...files, ndsManifests: empty, ndsDisseminations: emptyAvro }, join(dir, 'empty.json'));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`optout-verifier replay: warning: input file ${empty} (--nds-manifests) holds no records\n`);
    expect(result.stderr).toContain(`optout-verifier replay: warning: input file ${emptyAvro} (--nds-disseminations) holds no records\n`);
    const report = JSON.parse(await readFile(join(dir, 'empty.json'), 'utf8'));
    expect(report.inputWarnings).toEqual([
      { warning: 'no-records', inputs: ['ndsManifests'], path: empty },
      { warning: 'no-records', inputs: ['ndsDisseminations'], path: emptyAvro },
    ]);
    const key = join(dir, 'key.hex');
    await writeFile(key, randomBytes(32).toString('hex'), { mode: 0o600 });
    const plain = await run(files, join(dir, 'plain.json'), ['--pseudonym-key-file', key]);
    expect(plain.stderr).toBe('');
    expect(Object.keys(JSON.parse(await readFile(join(dir, 'plain.json'), 'utf8')))).not.toContain('inputWarnings');
  });

  it('warns when the same file is given for two inputs (through a symbolic link too)', async () => {
    const link = join(dir, 'gp-again.ndjson');
    await rm(link, { force: true });
    await symlink(files.gpEvents, link);
    const result = await run({ ...files, ndsReceived: link }, join(dir, 'twice.json'));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`optout-verifier replay: warning: the same file ${files.gpEvents} is given for --gp-events and --nds-received\n`);
    const report = JSON.parse(await readFile(join(dir, 'twice.json'), 'utf8'));
    expect(report.inputWarnings).toEqual([{ warning: 'same-file', inputs: ['gpEvents', 'ndsReceived'], path: files.gpEvents }]);
  });

  it('names a directory given as an input, with its flag, and exits 3 with one line', async () => {
    const result = await run({ ...files, ndsReceived: dir }, join(dir, 'x.json'));
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`optout-verifier replay: input file ${dir} (--nds-received) is a directory, not a file\n`);
  });
});
