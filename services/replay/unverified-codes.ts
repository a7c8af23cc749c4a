import { parseCodeCatalogue, type CodeCatalogue } from '../core/code-catalogue.js';
import { isoInstant } from '../core/iso-instant.js';
import type { ReadItem } from '../core/read-item.js';
import type { OptOutType, StreamName } from '../core/records.js';
import type { Side } from '../core/rules.js';

// Catalogue entries marked `"verified": false` (docs/code-catalogue.md): no published source ties the code to
// its meaning. An alert that fired or resolved because of a record carrying such a code rests on that guess,
// and the replay says so. Records are watched as they are read, outside the core, which never sees the flag.

/** An alert that an unverified code decided: caused it (`fired`) or closed its episode (`resolved`). */
export interface UnverifiedDecision {
  readonly alertId: string;
  readonly code: string;
  readonly decided: 'fired' | 'resolved';
}

/** The fields of a report's alert that say what caused it and what closed it. */
export interface DecidedAlert {
  readonly alertId: string;
  readonly upstreamEventId: string | null;
  readonly receiptId: string | null;
  readonly patientRef: string;
  readonly optOutType: OptOutType;
  readonly resolvedAt: string | null;
  readonly resolvedBy: Side | null;
}

export interface CodeSighting {
  readonly id: string;
  readonly nhsNumber: string;
  readonly side: Side;
  readonly type: OptOutType;
  readonly time: number;
  readonly code: string;
}

const WATCHED: Partial<Record<StreamName, { readonly id: string; readonly time: string; readonly side: Side }>> = {
  gpEvents: { id: 'eventId', time: 'recordedAt', side: 'UPSTREAM' },
  ndsReceived: { id: 'receiptId', time: 'receivedAt', side: 'DOWNSTREAM' },
};

/** The catalogue's unverified entries, looked up with the catalogue's own matching; null when there are none. */
export function unverifiedCatalogue(json: unknown): CodeCatalogue | null {
  const codes = (json as { codes?: unknown } | null)?.codes;
  if (!Array.isArray(codes)) return null;
  const unverified = codes.filter((e: unknown) => (e as { verified?: unknown } | null)?.verified === false);
  return unverified.length === 0 ? null : parseCodeCatalogue({ codes: unverified });
}

/** What a watch has noted, as plain data (to hand over from the thread that read the inputs). */
export type UnverifiedSightings = readonly (readonly [string, CodeSighting])[];

export class UnverifiedCodeWatch {
  // NHS numbers are held here only to be turned into patient references once the key is known; never output.
  private readonly noted = new Map<string, CodeSighting>();

  constructor(private readonly unverified: CodeCatalogue | null) {}

  /** Passes a stream's batches through, noting the first record of each id that carries an unverified code. */
  async *watch(stream: StreamName, batches: AsyncIterable<readonly ReadItem[]>): AsyncIterable<readonly ReadItem[]> {
    const fields = WATCHED[stream];
    for await (const batch of batches) {
      if (fields !== undefined && this.unverified !== null) this.note(fields, batch);
      yield batch;
    }
  }

  /** What this watch has noted. */
  sightings(): UnverifiedSightings {
    return [...this.noted];
  }

  /** Takes in what a watch elsewhere noted, as if this one had seen those records. */
  absorb(sightings: UnverifiedSightings): void {
    for (const [key, sighting] of sightings) if (!this.noted.has(key)) this.noted.set(key, sighting);
  }

  /** The alerts these records decided, matched by causing record id, or by the closing change of the episode. */
  decisions(alerts: readonly DecidedAlert[], patientRefFor: (nhsNumber: string) => string): UnverifiedDecision[] {
    if (this.noted.size === 0) return [];
    // The sightings by side, type and instant; a patient's reference (an HMAC) is computed only for those at the
    // instant some alert resolved at. Of two sightings of one change, the one noted last counts.
    const byChange = new Map<string, CodeSighting[]>();
    for (const s of this.noted.values()) {
      const change = `${s.type}|${s.side}|${isoInstant(s.time)}`;
      const same = byChange.get(change);
      if (same === undefined) byChange.set(change, [s]);
      else same.push(s);
    }
    const out: UnverifiedDecision[] = [];
    for (const a of alerts) {
      const cause = this.noted.get(`UPSTREAM|${a.upstreamEventId ?? ''}`) ?? this.noted.get(`DOWNSTREAM|${a.receiptId ?? ''}`);
      if (cause !== undefined) out.push({ alertId: a.alertId, code: cause.code, decided: 'fired' });
      if (a.resolvedAt !== null && a.resolvedBy !== null) {
        const candidates = byChange.get(`${a.optOutType}|${a.resolvedBy}|${a.resolvedAt}`) ?? [];
        for (let i = candidates.length - 1; i >= 0; i--) {
          if (patientRefFor(candidates[i]!.nhsNumber) !== a.patientRef) continue;
          out.push({ alertId: a.alertId, code: candidates[i]!.code, decided: 'resolved' });
          break;
        }
      }
    }
    return out.sort((x, y) => (x.alertId < y.alertId ? -1 : x.alertId > y.alertId ? 1 : x.decided < y.decided ? -1 : 1));
  }

  private note(fields: { readonly id: string; readonly time: string; readonly side: Side }, batch: readonly ReadItem[]): void {
    for (const item of batch) {
      if (!('fields' in item)) continue;
      const f = item.fields;
      const code = f.code;
      if (typeof code !== 'string') continue;
      const meaning = this.unverified!.lookup(code);
      const id = f[fields.id];
      if (meaning === undefined || typeof id !== 'string' || typeof f.nhsNumber !== 'string' || typeof f[fields.time] !== 'number') continue;
      const key = `${fields.side}|${id}`;
      if (!this.noted.has(key)) this.noted.set(key, { id, nhsNumber: f.nhsNumber, side: fields.side, type: meaning.type, time: f[fields.time] as number, code });
    }
  }
}
