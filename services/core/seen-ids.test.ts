import { describe, expect, it } from 'vitest';
import { Fingerprinter } from './fingerprint.js';
import { SeenIds } from './seen-ids.js';

const print = new Fingerprinter();
const fp = (text: string): [number, number] => {
  print.begin().text(text).end();
  return [print.hi, print.lo];
};
const sight = (seen: SeenIds, id: string, content: string) => seen.sight(...fp(id), ...fp(content));

describe('SeenIds', () => {
  it('says new, then duplicate for the same content and conflict for another, through any growth', () => {
    const seen = new SeenIds(4);
    for (let i = 0; i < 50_000; i++) expect(sight(seen, `id-${i}`, `content-${i}`)).toBe('new');
    for (let i = 0; i < 50_000; i += 7) {
      expect(sight(seen, `id-${i}`, `content-${i}`)).toBe('duplicate');
      expect(sight(seen, `id-${i}`, `changed-${i}`)).toBe('conflict');
    }
    expect(seen.size).toBe(50_000);
  });

  it('holds at most 16 bytes an id once reserved for the ids to come', () => {
    const seen = new SeenIds();
    seen.reserve(1_000_000);
    for (let i = 0; i < 1_000_000; i++) sight(seen, `d-${i}`, 'c');
    expect(seen.bytes / seen.size).toBeLessThanOrEqual(16);
  });

  it('changes nothing by prefetching, whatever the ids', () => {
    const seen = new SeenIds(64);
    for (let i = 0; i < 40; i++) sight(seen, `id-${i}`, 'c');
    // Lines of four words, the id's fingerprint first, as a screened batch holds them; seen and unseen ids, and a
    // stray last word.
    const words = [...fp('id-3'), ...fp('c'), ...fp('id-99'), ...fp('c'), 7];
    seen.prefetch(Uint32Array.from(words), 4);
    expect(seen.size).toBe(40);
    expect(sight(seen, 'id-3', 'c')).toBe('duplicate');
    expect(sight(seen, 'id-99', 'c')).toBe('new');
  });
});
