import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { restoreEngine, restoreEngineFrom, snapshotOf, UnreadableSnapshot, writeSnapshot, type SnapshotSink, type SnapshotSource } from './engine-snapshot.js';
import { Reconciler, type EngineEffect, type ReconcilerOptions } from './reconciler.js';
import type { Purpose } from './records.js';
import { catalogue, readableIdentity } from './testing/builders.js';

// Small worlds with many collisions (as in reconciler.property.test.ts), fed the way the live decider feeds the
// engine: rounds of a few records, each round followed by an advance, records late or early in any order.
const patients = ['9990000018', '9990000026', '9990000034'];
const practices = ['A81001', 'B82002'];
const codes = ['9Nu0', '9Nu1', '9Nu4', '9Nu5', 'XaZ89', 'XaaVL'];
const purposes: Purpose[] = ['DIRECT_CARE', 'PLANNING', 'RESEARCH', 'OTHER'];
const instant = fc.integer({ min: 0, max: 20 });

const record = fc.oneof(
  fc.tuple(fc.constant('gp' as const), instant, fc.constantFrom(...patients), fc.constantFrom(...codes), fc.constantFrom(...practices)),
  fc.tuple(fc.constant('nds' as const), instant, fc.constantFrom(...patients), fc.constantFrom(...codes), fc.constantFrom(...practices)),
  fc.tuple(fc.constant('manifest' as const), instant, fc.integer({ min: 0, max: 3 }), fc.constantFrom(...practices)),
  fc.tuple(fc.constant('share' as const), instant, fc.constantFrom(...patients), fc.constantFrom(...purposes)),
);

const world = fc.record({
  rounds: fc.array(fc.record({ records: fc.array(record, { maxLength: 5 }), advanceTo: fc.integer({ min: 0, max: 24 }) }), { minLength: 1, maxLength: 10 }),
  sla: fc.integer({ min: 0, max: 6 }),
  grace: fc.integer({ min: 0, max: 3 }),
  horizon: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
  cut: fc.nat(),
});
type World = typeof world extends fc.Arbitrary<infer W> ? W : never;
type Round = World['rounds'][number];

function offerRound(engine: Reconciler, round: Round, roundNo: number): EngineEffect[] {
  round.records.forEach((r, i) => {
    const id = `${roundNo}.${i}`;
    switch (r[0]) {
      case 'gp': engine.offerGpEvent({ eventId: `e${id}`, nhsNumber: r[2], practiceOds: r[4], supplier: 'TPP', code: r[3], recordedAt: r[1] }, catalogue.lookup(r[3])!); break;
      case 'nds': engine.offerReceipt({ receiptId: `r${id}`, nhsNumber: r[2], practiceOds: r[4], supplier: 'EMIS', code: r[3], sourceEventId: null, extractId: 'x', receivedAt: r[1] }, catalogue.lookup(r[3])!); break;
      case 'manifest': engine.offerManifest({ extractId: `m${id}`, supplier: 'TPP', practiceOds: r[3], coversUpTo: r[1], receivedAt: r[1] + r[2], recordCount: 0 }); break;
      case 'share': engine.offerDissemination({ disseminationId: `d${id}`, nhsNumber: r[2], recipient: 'R', purpose: r[3], sharedAt: r[1] }); break;
    }
  });
  return engine.advanceTo(round.advanceTo);
}

const optionsOf = (w: World): ReconcilerOptions => ({
  slaMs: w.sla, graceMs: w.grace, identity: readableIdentity, ...(w.horizon === undefined ? {} : { bounded: { horizonMs: w.horizon } }),
});

/** The snapshot as the live service stores it: through JSON text. */
const throughJson = (engine: Reconciler): unknown => JSON.parse(JSON.stringify(snapshotOf(engine)));

/** A plain value read item by item, in the order a writer puts it (as compact-value.ts reads its bytes). */
class PlainSource implements SnapshotSource {
  /** What is still to be read, the next last. */
  readonly #pending: unknown[];

  constructor(value: unknown) {
    this.#pending = [value];
  }

  get done(): boolean {
    return this.#pending.length === 0;
  }

  #next<T>(what: string, is: (v: unknown) => v is T): T {
    if (this.#pending.length === 0) throw new Error('nothing left to read');
    const value = this.#pending.pop();
    if (!is(value)) throw new Error(`${what} expected, found ${JSON.stringify(value)}`);
    return value;
  }

  array(): number {
    const items = this.#next('an array', Array.isArray);
    for (let i = items.length - 1; i >= 0; i--) this.#pending.push(items[i]);
    return items.length;
  }

  object(): number {
    const members = Object.entries(this.#next('an object', (v): v is object => typeof v === 'object' && v !== null && !Array.isArray(v)));
    for (let i = members.length - 1; i >= 0; i--) this.#pending.push(members[i]![1], members[i]![0]);
    return members.length;
  }

  string(): string {
    return this.#next('a string', (v): v is string => typeof v === 'string');
  }

  number(): number {
    return this.#next('a number', (v): v is number => typeof v === 'number');
  }

  null(): boolean {
    if (this.#pending.length === 0 || this.#pending[this.#pending.length - 1] !== null) return false;
    this.#pending.pop();
    return true;
  }

  value(): unknown {
    return this.#next('a value', (v): v is unknown => v !== undefined);
  }
}

/** A plain value built from what is written item by item (as compact-value.ts writes bytes). */
class PlainSink implements SnapshotSink {
  written: unknown = undefined;
  /** The arrays and objects still to be filled, the innermost last; an object's member name once written. */
  readonly #open: { into: unknown[] | Record<string, unknown>; left: number; name: string | null }[] = [];

  #put(value: unknown): void {
    const top = this.#open[this.#open.length - 1];
    if (top === undefined) {
      this.written = value;
    } else if (Array.isArray(top.into)) {
      top.into.push(value);
      top.left--;
    } else if (top.name === null) {
      top.name = value as string;
    } else {
      top.into[top.name] = value;
      top.name = null;
      top.left--;
    }
    if (top?.left === 0) this.#open.pop();
  }

  #openOf(into: unknown[] | Record<string, unknown>, left: number): void {
    this.#put(into);
    if (left > 0) this.#open.push({ into, left, name: null });
  }

  array(length: number): void { this.#openOf([], length); }
  object(members: number): void { this.#openOf({}, members); }
  string(value: string): void { this.#put(value); }
  number(value: number): void { this.#put(value); }
  null(): void { this.#put(null); }
  // Whole values are copied as JSON carries them, as the compact writer does.
  value(value: unknown): void { this.#put(JSON.parse(JSON.stringify(value)) as unknown); }
}

/** The snapshot as writeSnapshot writes it, item by item. */
function written(engine: Reconciler): unknown {
  const sink = new PlainSink();
  writeSnapshot(engine, sink);
  return sink.written;
}

/** Restored item by item, as the live decider restores it; the source read to its end. */
function restoredFrom(value: unknown, options: ReconcilerOptions): Reconciler {
  const source = new PlainSource(value);
  const engine = restoreEngineFrom(source, options);
  expect(source.done).toBe(true);
  return engine;
}

describe('an engine restored from a snapshot', () => {
  it('makes exactly the effects, in the same order, of the engine that was fed everything', () => {
    fc.assert(fc.property(world, (w) => {
      const cut = w.cut % (w.rounds.length + 1);
      const whole = new Reconciler(optionsOf(w));
      let resumed = new Reconciler(optionsOf(w));
      const wholeEffects: EngineEffect[][] = [];
      const resumedEffects: EngineEffect[][] = [];
      w.rounds.forEach((round, n) => {
        if (n === cut) {
          // The decider forgets settled patients just before it takes a snapshot.
          whole.forgetSettled();
          resumed.forgetSettled();
          // Restored from the whole value or item by item (both the same engine), and carried on with one of them.
          const snapshot = throughJson(resumed);
          // Written item by item, as the live decider writes it: the same snapshot.
          expect(written(resumed)).toStrictEqual(snapshot);
          const fromValue = restoreEngine(snapshot, optionsOf(w));
          const fromItems = restoredFrom(snapshot, optionsOf(w));
          expect(snapshotOf(fromItems)).toEqual(snapshotOf(fromValue));
          resumed = w.cut % 2 === 0 ? fromValue : fromItems;
        }
        wholeEffects.push(offerRound(whole, round, n));
        resumedEffects.push(offerRound(resumed, round, n));
      });
      expect(resumedEffects).toEqual(wholeEffects);
      expect(resumed.alerts()).toEqual(whole.alerts());
      expect(resumed.pending()).toEqual(whole.pending());
      expect(resumed.latencySamples()).toEqual(whole.latencySamples());
      expect(resumed.streamTime).toBe(whole.streamTime);
      expect(resumed.sharesFiredBySupplier()).toEqual(whole.sharesFiredBySupplier());
      // A snapshot of the restored engine is the snapshot of the one fed everything.
      expect(snapshotOf(resumed)).toEqual(snapshotOf(whole));
    }), { numRuns: 1500 });
  });

  it('refuses a snapshot of another version with a reason', () => {
    const engine = new Reconciler({ slaMs: 1, graceMs: 1, identity: readableIdentity });
    const other = { ...snapshotOf(engine), v: 2 };
    expect(() => restoreEngine(other, { slaMs: 1, graceMs: 1, identity: readableIdentity })).toThrow(UnreadableSnapshot);
    expect(() => restoreEngine(other, { slaMs: 1, graceMs: 1, identity: readableIdentity })).toThrow(/version 2/);
    expect(() => restoredFrom(other, { slaMs: 1, graceMs: 1, identity: readableIdentity })).toThrow(/version 2/);
  });

  it('refuses, read item by item, a snapshot whose keys are not as written, saying what is wrong', () => {
    const options = { slaMs: 1, graceMs: 1, identity: readableIdentity };
    const engine = new Reconciler(options);
    engine.offerGpEvent({ eventId: 'e1', nhsNumber: patients[0]!, practiceOds: practices[0]!, supplier: 'TPP', code: '9Nu0', recordedAt: 1 }, catalogue.lookup('9Nu0')!);
    engine.advanceTo(2);
    const snapshot = throughJson(engine) as { v: number; keys: unknown[][] };
    const { v, ...noVersion } = snapshot;
    expect(() => restoredFrom({ ...noVersion, v }, options)).toThrow(/keys before its version/);
    expect(() => restoredFrom(noVersion, options)).toThrow(UnreadableSnapshot);
    const { keys, ...noKeys } = snapshot;
    expect(keys).toHaveLength(1);
    expect(() => restoredFrom(noKeys, options)).toThrow(/no keys/);
    expect(() => restoredFrom({ ...snapshot, keys: [keys[0]!.slice(0, 4)] }, options)).toThrow(/a key of 4 items, not 5/);
    expect(() => restoredFrom({ ...snapshot, keys: [[...keys[0]!.slice(0, 2), [1, 1, 'e1', 1], ...keys[0]!.slice(3)]] }, options)).toThrow(/a side of 4 items, not 5/);
  });
});
