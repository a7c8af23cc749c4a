import { describe, expect, it } from 'vitest';
import { fieldSpecsFor, timestampFieldsFor } from './field-kinds.js';
import { STREAM_FIELDS, STREAM_NAMES, PURPOSES } from '../core/records.js';

describe('the schemas and the core agree', () => {
  it.each([...STREAM_NAMES])('%s: the same fields in the same order, the event time a timestamp', (stream) => {
    expect(fieldSpecsFor(stream).map((f) => f.name)).toEqual(STREAM_FIELDS[stream].fields);
    expect(timestampFieldsFor(stream)).toContain(STREAM_FIELDS[stream].time);
  });

  it('only sourceEventId is nullable, and Purpose has the core\'s symbols', () => {
    const nullable = STREAM_NAMES.flatMap((s) => fieldSpecsFor(s).filter((f) => f.nullable).map((f) => f.name));
    expect(nullable).toEqual(['sourceEventId']);
    const purpose = fieldSpecsFor('ndsDisseminations').find((f) => f.name === 'purpose');
    expect(purpose?.type).toEqual({ kind: 'enum', symbols: PURPOSES });
  });

  it('the timestamp fields are exactly the contract\'s', () => {
    expect(STREAM_NAMES.map((s) => timestampFieldsFor(s))).toEqual([['recordedAt'], ['receivedAt'], ['coversUpTo', 'receivedAt'], ['sharedAt']]);
  });
});
