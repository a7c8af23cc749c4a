import { describe, expect, it } from 'vitest';
import { setting } from './setting.js';
import { duration, integer, text } from './setting-parsers.js';
import { SettingsReader } from './settings-reader.js';

const FIRST = setting({ env: 'FIRST', flag: '--first <n>', default: '3', to: 'first', parse: integer(1, 9), doc: 'first' });
const SECOND = setting({ env: 'SECOND', required: true, to: 'part.second', parse: text, doc: 'second' });
const THIRD = setting({ env: 'THIRD', to: 'part.third', parse: duration, doc: 'third' });
const TABLE = [FIRST, SECOND, THIRD];

describe('reading a table of settings', () => {
  it('puts each value at its path, a flag winning over its variable and a default over nothing', () => {
    const s = new SettingsReader(TABLE, { FIRST: '5', SECOND: ' two ', THIRD: '' }, { first: '7' });
    expect(s.build()).toEqual({ first: 7, part: { second: 'two', third: null } });
    expect(new SettingsReader(TABLE, { SECOND: 'x' }, {}).build()).toEqual({ first: 3, part: { second: 'x', third: null } });
    expect(s.problems()).toEqual([]);
  });

  it('lists problems in the order of the table, whatever order they were found in (in that order within a setting)', () => {
    const s = new SettingsReader(TABLE, { FIRST: '10', THIRD: 'soon' }, {});
    s.get(THIRD);
    s.problem(SECOND, 'a check across settings');
    s.build();
    expect(s.problems()).toEqual(["FIRST '10' must be a whole number from 1 to 9", 'a check across settings', 'SECOND is required', "THIRD 'soon' is not a duration (e.g. 72h, 1.5h, 90m, 30s, 1500ms, 0.5d)"]);
  });

  it('judges only the settings asked for, and names the flag of a missing one', () => {
    const s = new SettingsReader([{ ...FIRST, required: true, default: undefined }, THIRD], { THIRD: 'soon' }, {});
    s.build(['part']);
    expect(s.problems()).toEqual(['FIRST (--first) is required']);
  });
});
