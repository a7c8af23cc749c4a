import { describe, expect, it } from 'vitest';
import { byteaArray, int8Array, uuidArray } from './binary-arrays.js';

const hex = (value: Buffer | string): string => (typeof value === 'string' ? value : value.toString('hex'));

// The expected bytes are PostgreSQL 15's own, from array_send over the same arrays.
describe('binary arrays', () => {
  it('write int8[] as PostgreSQL sends it, negatives and the safe integers\' bounds included', () => {
    // SELECT array_send('{-5,9007199254740991,-9007199254740991,0}'::int8[])
    expect(hex(int8Array([-5, 2 ** 53 - 1, -(2 ** 53 - 1), 0]))).toBe(
      '000000010000000000000014000000040000000100000008fffffffffffffffb00000008001fffffffffffff00000008ffe0000000000001000000080000000000000000');
    // SELECT array_send('{}'::int8[])
    expect(hex(int8Array([]))).toBe('000000000000000000000014');
  });

  it('leave a number no int8 can hold to PostgreSQL as text, which it refuses', () => {
    expect(int8Array([1, 1.5, 1e20])).toBe('{1,1.5,100000000000000000000}');
    expect(int8Array([Number.NaN])).toBe('{NaN}');
  });

  it('write uuid[] and bytea[] from hex digits as PostgreSQL sends them', () => {
    // SELECT array_send('{00112233-4455-6677-8899-aabbccddeeff}'::uuid[])
    expect(hex(uuidArray(['00112233445566778899aabbccddeeff']))).toBe('000000010000000000000b8600000001000000010000001000112233445566778899aabbccddeeff');
    // SELECT array_send(ARRAY['\x0aff'::bytea])
    expect(hex(byteaArray(['0aff'], 2))).toBe('0000000100000000000000110000000100000001000000020aff');
  });

  it('refuse hex digits that are not exactly the element\'s bytes', () => {
    expect(() => uuidArray(['0011'])).toThrow(/not 16 bytes/);
    expect(() => byteaArray(['zz'], 1)).toThrow(/not 1 bytes/);
  });
});
