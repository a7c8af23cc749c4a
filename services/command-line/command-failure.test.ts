import { describe, expect, it } from 'vitest';
import { failureReport } from './command-failure.js';
import { describeFileError, InputProblem, UsageProblem } from './command-problems.js';

const fsError = (code: string, path: string) => Object.assign(new Error(`${code}: some text, open '${path}'`), { code, path, syscall: 'open' });

describe('failureReport', () => {
  it('gives a bad flag exit 2 and points at the help', () => {
    expect(failureReport('optout-verifier x', new UsageProblem('--sla is bad'), false)).toEqual({ code: 2, line: 'optout-verifier x: --sla is bad (see optout-verifier x --help)\n' });
  });

  it('gives a file that cannot be used exit 3, in one line', () => {
    expect(failureReport('optout-verifier x', new InputProblem('the code catalogue (--catalogue) c.json: does not exist'), false))
      .toEqual({ code: 3, line: 'optout-verifier x: the code catalogue (--catalogue) c.json: does not exist\n' });
  });

  it('names the file of a file-system error no command caught, in words, with exit 3 and no stack trace', () => {
    for (const [code, words] of [['EACCES', 'permission denied'], ['EISDIR', 'is a directory, not a file'], ['ENOENT', 'does not exist'], ['EEXIST', 'already exists'], ['ENOTDIR', 'a part of its path is not a directory']]) {
      expect(failureReport('optout-verifier x', fsError(code!, '/data/in.avro'), false)).toEqual({ code: 3, line: `optout-verifier x: /data/in.avro: ${words}\n` });
    }
  });

  it('gives anything else exit 4, one line and a hint, and the stack trace only under --debug', () => {
    const error = new TypeError('cannot read properties of undefined');
    const quiet = failureReport('optout-verifier x', error, false);
    expect(quiet).toEqual({ code: 4, line: 'optout-verifier x: internal error: cannot read properties of undefined\n(run again with --debug for the stack trace)\n' });
    const debug = failureReport('optout-verifier x', error, true);
    expect(debug.code).toBe(4);
    expect(debug.line).toContain(error.stack!);
    expect(failureReport('optout-verifier x', new InputProblem('f: does not exist'), true).line).toMatch(/\n\s+at /);
  });
});

describe('describeFileError', () => {
  it('keeps a code it has no words for, and the message of an error that has no code', () => {
    expect(describeFileError(Object.assign(new Error('x'), { code: 'EWEIRD' }))).toBe('EWEIRD');
    expect(describeFileError(new Error('plain'))).toBe('plain');
  });
});
