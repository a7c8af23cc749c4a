import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { missingRequiredOptions, requiredOption } from './required-options.js';

const command = (argv: string[]) => new Command('x')
  .addOption(requiredOption('--input <file>', 'what to read'))
  .option('--verbose', 'say more')
  .addOption(requiredOption('--output <file>', 'where to write'))
  .addOption(requiredOption('--key-file <file>', 'the key'))
  .exitOverride()
  .parse(argv, { from: 'user' });

describe('missingRequiredOptions', () => {
  it('names every missing required option at once, in the order the help lists them', () => {
    expect(missingRequiredOptions(command(['--verbose']))).toBe('3 required flags are missing: --input <file>, --output <file>, --key-file <file>');
    expect(missingRequiredOptions(command(['--output', 'o']))).toBe('2 required flags are missing: --input <file>, --key-file <file>');
  });
  it('names one alone, and nothing when all are there', () => {
    expect(missingRequiredOptions(command(['--input', 'i', '--output', 'o']))).toBe('--key-file <file> is required');
    expect(missingRequiredOptions(command(['--input', 'i', '--output', 'o', '--key-file', 'k']))).toBeNull();
  });
  it('says in the help that an option is required', () => {
    expect(command([]).helpInformation()).toMatch(/--input <file>\s+what to read \(required\)/);
  });
});
