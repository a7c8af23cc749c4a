// What a simulated scenario is made of. The generator takes these and nothing else, so the same params give the
// same records.
import type { CodeCatalogue } from '../core/code-catalogue.js';

export const FAULT_PROFILES = [
  'systmone-2018',
  'supplier-outage',
  'dropped-withdrawals',
  'late-receipts',
  'phantom-objections',
  'revoked-objections',
  'unfiltered-release',
  'bad-records',
  'redeliveries',
] as const;
export type FaultProfile = (typeof FAULT_PROFILES)[number];

/** Which flawed shapes the target file can carry: only NDJSON can hold a missing field or an undecodable line. */
export type TargetFormat = 'avro' | 'ndjson';

/** Weekly release size: a fixed number of candidate lines, or a share of all registered patients. */
export type ReleaseSize = { readonly lines: number } | { readonly shareOfPatients: number };

export interface ScenarioParams {
  readonly seed: number;
  readonly practices: number;
  /** Registered patients in total, spread over the practices (not per practice). */
  readonly patients: number;
  readonly days: number;
  /** First simulated day, 00:00 UTC, as epoch milliseconds. */
  readonly startAt: number;
  readonly faults: readonly FaultProfile[];
  readonly format: TargetFormat;
  /** Candidate lines per weekly release, before the opt-out filter removes some. */
  readonly releaseSize: ReleaseSize;
  /** Share of registered patients who come in to record a dissent (type 1, type 2 or both) in a year. */
  readonly optOutsPerYear: number;
  /** Share of standing dissents withdrawn in a year. */
  readonly withdrawalsPerYear: number;
  readonly catalogue: CodeCatalogue;
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const YEAR_DAYS = 365.25;

export const DEFAULTS = {
  seed: 1,
  practices: 20,
  patients: 20_000,
  // 2015-01-01 to 2018-10-01: covers the TPP fix of 26 June 2018 and its aftermath, and ends before type 2
  // collection stopped (11 October 2018).
  days: 1369,
  start: '2015-01-01',
  disseminationsPerWeek: '5%',
  // Type 1 stood at about 2.6% of patients in 2016 and 3.6% in 2018, type 2 at 2.2% in 2016 (NHS Digital, Care
  // Information Choices, May 2016; the RCGP, citing NHS Digital, March 2018). The window starts with nobody opted
  // out, so 1.35% a year reaches about 5% of patients (3.5% type 1, 2.7% type 2) by the end of the default window.
  optOutsPerYear: 0.0135,
  // About one standing dissent in seven withdrawn over the default window; no source gives a rate.
  withdrawalsPerYear: 0.04,
} as const;

export function releaseLines(size: ReleaseSize, patients: number): number {
  return 'lines' in size ? size.lines : Math.round(size.shareOfPatients * patients);
}
