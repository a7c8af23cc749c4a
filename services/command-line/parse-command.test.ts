import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT } from './exit-codes.js';
import { parseCommand } from './parse-command.js';

const program = () => new Command('optout-verifier example').option('--count <n>', 'how many').argument('[dir]', 'where');

describe('parseCommand', () => {
  afterEach(() => { vi.restoreAllMocks(); });

  it('lets the command go on with its options parsed', () => {
    const p = program();
    expect(parseCommand(p, ['--count', '3', 'here'], 'optout-verifier example')).toBeNull();
    expect(p.opts()).toEqual({ count: '3' });
    expect(p.processedArgs).toEqual(['here']);
  });

  it('prints help on stdout and ends with exit 0', () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(parseCommand(program(), ['--help'], 'optout-verifier example')).toBe(EXIT.OK);
    expect(out.mock.calls.map(([s]) => String(s)).join('')).toContain('Usage: optout-verifier example');
  });

  it('says an unknown flag in one line on stderr, naming the command and its help, with exit 2', () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(parseCommand(program(), ['--cuont', '3'], 'optout-verifier example')).toBe(EXIT.USAGE);
    const said = err.mock.calls.map(([s]) => String(s)).join('');
    expect(said).toBe("optout-verifier example: unknown option '--cuont'\n(Did you mean --count?) (see optout-verifier example --help)\n");
  });
});
