import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCompactValue, encodeCompactValue, readCompactValue, UnreadableValue } from './compact-value.js';

const roundTrip = (value: unknown): unknown => decodeCompactValue(Buffer.concat(encodeCompactValue(value)));
const throughJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

describe('a value written as compact bytes', () => {
  it('reads back as JSON.parse(JSON.stringify(value)) would', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(roundTrip(value)).toStrictEqual(throughJson(value));
    }), { numRuns: 500 });
  });

  it('reads back strings that repeat, in any mix of short, long, hex and non-ASCII text', () => {
    const text = fc.oneof(
      fc.constantFrom('A81001', 'TPP', 'EMIS', 'TYPE_1', ''),
      fc.string({ maxLength: 20 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.stringMatching(/^(?:[0-9a-f]{2}){0,40}$/),
      fc.stringMatching(/^[0-9A-F]{16,40}$/),
      fc.stringMatching(/^[0-9a-z]{16,40}$/),
    );
    fc.assert(fc.property(fc.array(fc.array(text, { maxLength: 12 }), { maxLength: 30 }), (rows) => {
      expect(roundTrip(rows)).toStrictEqual(rows);
    }), { numRuns: 300 });
  });

  it('writes what JSON cannot hold as JSON would: non-finite numbers as null, undefined left out of objects', () => {
    const value = { a: [Number.NaN, Infinity, -Infinity, -0, undefined, 0.5, -(2 ** 53 - 1), 2 ** 53 - 1, 2 ** 60], b: undefined, c: true, d: false };
    expect(roundTrip(value)).toStrictEqual(throughJson(value));
    expect(Object.is((roundTrip([-0]) as number[])[0], 0)).toBe(true);
  });

  it('keeps a member named __proto__ as an own member, as JSON.parse does', () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as unknown;
    const read = roundTrip(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(Object.keys(read)).toEqual(['__proto__', 'y']);
    expect(read).toStrictEqual(value);
  });

  it('keeps hex text as bytes, half its length, and other text as it is', () => {
    const pseudonym = 'd20ce48ca3176e55eddd6455e100990c667f6b3d8f14af9eafe220bcaf9d210b';
    expect(Buffer.concat(encodeCompactValue(pseudonym)).length).toBeLessThan(40);
    const near = [pseudonym.toUpperCase(), `${pseudonym}0`, 'ghijklmnopqrstuv', pseudonym.slice(0, 14)];
    expect(roundTrip([pseudonym, ...near])).toStrictEqual([pseudonym, ...near]);
  });

  it('reads a value larger than one buffer, and more short strings than its table holds', () => {
    const big = 'x'.repeat(3 << 20);
    const many = Array.from({ length: 1 << 16 }, (_, i) => `s${i}`);
    // The table is full after 65,536 short strings: the next one is a recent string, then referred to as one.
    const value = [big, many, 'late', 'late', many.slice(-10), big];
    const chunks = encodeCompactValue(value);
    expect(chunks.length).toBeGreaterThan(1);
    expect(decodeCompactValue(Buffer.concat(chunks))).toStrictEqual(value);
  });

  it('refuses bytes cut short, bytes left over and tags it does not know, saying so', () => {
    const bytes = Buffer.concat(encodeCompactValue({ keys: [['9990000018', 'TYPE_1', 1_700_000_000_000]] }));
    for (let cut = 0; cut < bytes.length; cut++) expect(() => decodeCompactValue(bytes.subarray(0, cut))).toThrow(UnreadableValue);
    expect(() => decodeCompactValue(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/left over/);
    expect(() => decodeCompactValue(Buffer.from([200]))).toThrow(/unknown tag 200/);
    expect(() => decodeCompactValue(Buffer.from([3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(/safe integer/);
    // 2^56 + 4: eight bytes, beyond a safe integer.
    expect(() => decodeCompactValue(Buffer.from([3, 0x84, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).toThrow(/safe integer/);
    // Continuation bytes of nothing but zeros, past any safe integer's length.
    expect(() => decodeCompactValue(Buffer.from([3, ...Array<number>(12).fill(0x80), 0x00]))).toThrow(/safe integer/);
    // An array said to hold four billion items in a few bytes.
    expect(() => decodeCompactValue(Buffer.from([10, 0xff, 0xff, 0xff, 0xff, 0x0f, 0]))).toThrow(UnreadableValue);
  });

  it('reads a value item by item as it was written, and refuses an item of another kind than expected, saying so', () => {
    const key = ['71a6873d777d9cff4710178b3c5ec8a943ebb5f621629031264e3e01f2485cea', 'TYPE_1', [1, 1_420_108_324_000, 'gp-0000000002', null, -1.5]];
    const bytes = Buffer.concat(encodeCompactValue({ keys: [key, key], rest: { a: [true] } }));
    const read = readCompactValue(bytes, (reader) => {
      const members = reader.object();
      const name = reader.string();
      const count = reader.array();
      const keys: unknown[] = [];
      for (let i = 0; i < count; i++) {
        reader.array();
        const items: unknown[] = [reader.string(), reader.string()];
        reader.array();
        items.push(reader.number(), reader.number(), reader.string(), reader.null(), reader.null(), reader.number());
        keys.push(items);
      }
      return { members, name, keys, restName: reader.string(), rest: reader.value() };
    });
    const items = [key[0], 'TYPE_1', 1, 1_420_108_324_000, 'gp-0000000002', true, false, -1.5];
    expect(read).toStrictEqual({ members: 2, name: 'keys', keys: [items, items], restName: 'rest', rest: { a: [true] } });
    expect(() => readCompactValue(bytes, (reader) => reader.array())).toThrow(/an array expected, found tag 11/);
    expect(() => readCompactValue(bytes, (reader) => [reader.object(), reader.number()])).toThrow(/a number expected/);
    expect(() => readCompactValue(bytes, (reader) => [reader.object(), reader.string(), reader.string()])).toThrow(/a string expected/);
    expect(() => readCompactValue(bytes, (reader) => [reader.object(), reader.string(), reader.object()])).toThrow(/an object expected/);
    expect(() => readCompactValue(bytes, (reader) => [reader.object(), reader.string()])).toThrow(/left over/);
    for (let cut = 0; cut < bytes.length; cut++) expect(() => readCompactValue(bytes.subarray(0, cut), (reader) => reader.value())).toThrow(UnreadableValue);
  });
});
