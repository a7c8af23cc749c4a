// A column of strings as one text and where each value ends. Between threads it is copied as one string and an
// array of numbers, not as a string per value (each with its own header, serialised and rebuilt one by one), and
// it is held as one string: an id of a few characters held on its own costs several times its length.

export interface PackedStrings {
  readonly text: string;
  /** Where value i ends in text; it starts where value i - 1 ends (0 for the first). */
  readonly ends: Uint32Array;
  /** 1 where the value is null (or absent); null when none is. */
  readonly nulls: Uint8Array | null;
}

/**
 * A column of strings with few distinct values (practices, suppliers, codes): each distinct value once, and per
 * position the index of its value. Copied between threads as a short array and one typed array, and each
 * distinct value need only be interned once.
 */
export interface CodedStrings {
  readonly values: readonly string[];
  readonly codes: Uint32Array;
}

/**
 * A column as it is kept: an array of values, strings packed or coded, or numbers in a Float64Array (event times
 * held in an array are each a boxed number: allocated, copied between threads one by one, and traced by the GC).
 */
export type Column = unknown[] | PackedStrings | CodedStrings | Float64Array;

/** Packs strings, null or absent (taken as null). */
export function packStrings(values: readonly (string | null | undefined)[]): PackedStrings {
  const ends = new Uint32Array(values.length);
  let nulls: Uint8Array | null = null;
  let end = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) (nulls ??= new Uint8Array(values.length))[i] = 1;
    else end += value.length;
    ends[i] = end;
  }
  // join writes null and undefined as nothing.
  return { text: values.join(''), ends, nulls };
}

/** Codes strings, none of them null or absent. */
export function codeStrings(values: readonly string[]): CodedStrings {
  const index = new Map<string, number>();
  const distinct: string[] = [];
  const codes = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    let code = index.get(value);
    if (code === undefined) {
      index.set(value, (code = distinct.length));
      distinct.push(value);
    }
    codes[i] = code;
  }
  return { values: distinct, codes };
}

/** The value at position i of a column. */
export function valueAt(column: Column, i: number): unknown {
  if (Array.isArray(column)) return column[i];
  if (column instanceof Float64Array) return column[i];
  if ('codes' in column) return column.values[column.codes[i]!];
  const packed = column;
  if (packed.nulls !== null && packed.nulls[i] === 1) return null;
  return packed.text.slice(i === 0 ? 0 : packed.ends[i - 1]!, packed.ends[i]!);
}
