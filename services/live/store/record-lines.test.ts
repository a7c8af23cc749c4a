import { describe, expect, it } from 'vitest';
import { CODES, gp, manifest, receipt, share, T0 } from '../../core/testing/builders.js';
import type { RecordOf, StreamName } from '../../core/records.js';
import { parseRecordLines, recordLine } from './record-lines.js';

describe('record lines', () => {
  it('read back every stream\'s records as written, with offsets, meanings and an absent field', () => {
    const records: { readonly [S in StreamName]: RecordOf[S] } = {
      gpEvents: gp('e-1', T0, CODES.t1Dissent), ndsReceived: { ...receipt('r-1', T0 + 1, CODES.t2Dissent), sourceEventId: null },
      ndsManifests: manifest('x-1', T0, T0 + 5), ndsDisseminations: share('d-1', T0 + 2),
    };
    for (const stream of Object.keys(records) as StreamName[]) {
      const meaning = stream === 'gpEvents' || stream === 'ndsReceived' ? { type: 'TYPE_1', action: 'WITHDRAWN' } as const : null;
      const text = [recordLine(stream, 7, records[stream], meaning), recordLine(stream, 9, records[stream], meaning)].join('\n');
      expect(parseRecordLines(stream, 'topic', 3, text)).toEqual([7, 9].map((offset) => ({ stream, topic: 'topic', partition: 3, offset, record: records[stream], meaning })));
    }
  });

  it('keep tabs, newlines, backslashes and a literal \\N in text, and a NUL as it is', () => {
    const awkward = { ...gp('e\t1\n\\N', T0, CODES.t1Dissent), supplier: 'a\\tb\\', practiceOds: '\\N' };
    const line = recordLine('gpEvents', 0, awkward, { type: 'TYPE_2', action: 'DISSENT' });
    expect(line.split('\n')).toHaveLength(1);
    expect(parseRecordLines('gpEvents', 't', 0, line)[0]!.record).toEqual(awkward);
    expect(recordLine('gpEvents', 0, { ...awkward, supplier: 'T\u0000P' }, null)).toContain('\u0000');
  });

  it('parse only the lines whose offsets are wanted, awkward text around them included', () => {
    const awkward = gp('e\t1\n\\N', T0, CODES.t1Dissent);
    const meaning = { type: 'TYPE_2', action: 'DISSENT' } as const;
    const text = [10, 11, 12, 13].map((offset) => recordLine('gpEvents', offset, { ...awkward, eventId: `${awkward.eventId}-${offset}` }, meaning)).join('\n');
    const wanted = parseRecordLines('gpEvents', 't', 0, text, (offset) => offset === 11 || offset === 13);
    expect(wanted.map((r) => [r.offset, (r.record as typeof awkward).eventId])).toEqual([[11, `${awkward.eventId}-11`], [13, `${awkward.eventId}-13`]]);
    expect(parseRecordLines('gpEvents', 't', 0, text, () => false)).toEqual([]);
    expect(parseRecordLines('gpEvents', 't', 0, text, () => true)).toEqual(parseRecordLines('gpEvents', 't', 0, text));
  });

  it('refuse a line short of its stream\'s fields rather than read the next line\'s', () => {
    const full = recordLine('ndsManifests', 5, manifest('x-1', T0, T0 + 5), null);
    const short = full.slice(0, full.lastIndexOf('\t'));
    expect(() => parseRecordLines('ndsManifests', 't', 0, `${short}\n${full.replace('5', '6')}`)).toThrow(/fewer fields/);
    // An unwanted line is not read past its offset.
    expect(parseRecordLines('ndsManifests', 't', 0, `${short}\n${full.replace('5', '6')}`, (offset) => offset === 6)).toHaveLength(1);
  });
});
