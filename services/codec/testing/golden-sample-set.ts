// The golden sample set: records for every schema, written with the schema itself and with other writer
// schemas a producer might hold (its own copy of the contract with fields in another order, an extra field with
// a default and other doc text; an older version lacking a field; an enum with a symbol we do not know).
// tools/write-golden-samples.ts writes these to schemas/samples/; the tests read the files back through the codec.
import type { RecordSchemaJson } from '../schema-catalog.js';
import { ALERT_SCHEMA_NAME, STREAM_SCHEMA_NAMES, schemaJson } from '../schema-catalog.js';

const at = (iso: string): number => Date.parse(iso);

export interface SampleSet {
  /** File stem under schemas/samples/ (or schemas/samples/writers/ when the writer is not the reader). */
  readonly stem: string;
  readonly schema: string;
  /** Absent: written with the reader schema itself. */
  readonly writer?: RecordSchemaJson;
  /** Values as the writer writes them. */
  readonly written: readonly Record<string, unknown>[];
  /** What the reader must make of each, in order: the fields, or a fragment of the error. */
  readonly expected: readonly ({ fields: Record<string, unknown> } | { error: string })[];
  /** 1-based positions also written as single-object .bin files. */
  readonly singleObjects: readonly number[];
}

const GP = STREAM_SCHEMA_NAMES.gpEvents;
const RECEIVED = STREAM_SCHEMA_NAMES.ndsReceived;
const MANIFEST = STREAM_SCHEMA_NAMES.ndsManifests;
const DISSEMINATION = STREAM_SCHEMA_NAMES.ndsDisseminations;

const gpEvents = [
  { eventId: 'gp-0001', nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'TPP', code: '827241000000103', recordedAt: at('2018-01-15T09:30:00.000Z') },
  { eventId: 'gp-0002', nhsNumber: '9990000026', practiceOds: 'B82005', supplier: 'EMIS', code: '9Nu0.', recordedAt: at('2018-02-28T23:59:59.999Z') },
  { eventId: 'gp-0003', nhsNumber: '9990000034', practiceOds: 'A81001', supplier: 'VISION', code: 'XaZ8a', recordedAt: at('2018-03-01T00:00:00.001Z') },
];
const received = [
  { receiptId: 'rc-0001', nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'TPP', code: '827241000000103', sourceEventId: 'gp-0001', extractId: 'ex-A81001-0007', receivedAt: at('2018-01-16T02:00:00.000Z') },
  { receiptId: 'rc-0002', nhsNumber: '9990000026', practiceOds: 'B82005', supplier: 'EMIS', code: '9Nu0', sourceEventId: null, extractId: 'ex-B82005-0003', receivedAt: at('2018-03-02T02:00:00.250Z') },
];
const manifests = [
  { extractId: 'ex-A81001-0007', supplier: 'TPP', practiceOds: 'A81001', coversUpTo: at('2018-01-15T23:59:59.999Z'), receivedAt: at('2018-01-16T02:00:00.000Z'), recordCount: 1200 },
  // A count past 2^32: longs must come through as exact numbers.
  { extractId: 'ex-B82005-0003', supplier: 'EMIS', practiceOds: 'B82005', coversUpTo: at('2018-03-01T23:59:59.999Z'), receivedAt: at('2018-03-02T02:00:00.250Z'), recordCount: 2 ** 40 + 7 },
];
const disseminations = [
  { disseminationId: 'ds-0001', nhsNumber: '9990000018', recipient: 'Example Research Unit', purpose: 'RESEARCH', sharedAt: at('2018-04-01T12:00:00.000Z') },
  { disseminationId: 'ds-0002', nhsNumber: '9990000042', recipient: 'Trust Analytics Équipe', purpose: 'DIRECT_CARE', sharedAt: at('2018-04-02T12:00:00.000Z') },
  { disseminationId: 'ds-0003', nhsNumber: '9990000050', recipient: 'Planning Office', purpose: 'PLANNING', sharedAt: at('2018-04-03T12:00:00.000Z') },
];
const alertBase = {
  upstreamEventId: 'gp-0001', receiptId: null, disseminationId: null, patientRef: 'pr-3f9a1c0e5b7d2a44', practiceOds: 'A81001', supplier: 'TPP',
  optOutType: 'TYPE_1', episodeStart: at('2018-01-15T09:30:00.000Z'), firedAt: at('2018-01-18T09:30:00.000Z'), escalatedAt: null, resolvedAt: null,
  resolvedBy: null, detectionDelayMs: 259_200_000, downstreamHeldAtShare: null, recipient: null, purpose: null,
};
const alerts = [
  { ...alertBase, alertId: 'al-0001', transition: 'FIRED', state: 'FIRING', rule: 'OBJECTION_OVERDUE', severity: 'warning', changedAt: at('2018-01-18T09:30:00.000Z') },
  { ...alertBase, alertId: 'al-0001', transition: 'ESCALATED', state: 'FIRING', rule: 'OBJECTION_NOT_PROPAGATED', severity: 'critical', changedAt: at('2018-01-20T03:00:00.000Z'), escalatedAt: at('2018-01-20T03:00:00.000Z') },
  { ...alertBase, alertId: 'al-0001', transition: 'RESOLVED', state: 'RESOLVED', rule: 'OBJECTION_NOT_PROPAGATED', severity: 'critical', changedAt: at('2018-01-22T02:00:00.000Z'), escalatedAt: at('2018-01-20T03:00:00.000Z'), resolvedAt: at('2018-01-22T02:00:00.000Z'), resolvedBy: 'DOWNSTREAM' },
  {
    ...alertBase, alertId: 'al-0002', transition: 'FIRED', state: 'FIRING', rule: 'SHARED_DESPITE_OBJECTION', severity: 'critical', changedAt: at('2018-04-01T12:00:00.000Z'),
    upstreamEventId: 'gp-0001', disseminationId: 'ds-0001', episodeStart: null, firedAt: at('2018-04-01T12:00:00.000Z'), detectionDelayMs: null,
    downstreamHeldAtShare: false, recipient: 'Example Research Unit', purpose: 'RESEARCH',
  },
];

/** A producer's own copy of the contract: fields reversed, an extra field with a default, other doc text. */
export function producerCopy(schema: RecordSchemaJson): RecordSchemaJson {
  return {
    type: 'record',
    name: schema.name,
    ...(schema.namespace === undefined ? {} : { namespace: schema.namespace }),
    doc: `Producer copy of ${schema.name}, with its own field order and an extra field.`,
    fields: [
      { name: 'producerBatch', type: 'string', default: 'none', doc: 'Producer-side batch label the contract does not know.' },
      ...[...schema.fields].reverse().map((f) => ({ ...f, doc: `(producer) ${f.name}` })),
    ],
  };
}

function withField(schema: RecordSchemaJson, name: string, type: (old: unknown) => unknown): RecordSchemaJson {
  return { ...schema, fields: schema.fields.map((f) => (f.name === name ? { ...f, type: type(f.type) } : f)) };
}

function without(schema: RecordSchemaJson, name: string): RecordSchemaJson {
  return { ...schema, doc: `${schema.name} as written before field ${name} existed.`, fields: schema.fields.filter((f) => f.name !== name) };
}

const ownWriter = (stem: string, schema: string, records: readonly Record<string, unknown>[]): SampleSet => ({
  stem, schema, written: records, expected: records.map((fields) => ({ fields })), singleObjects: [1],
});

const producerWriter = (schema: string, records: readonly Record<string, unknown>[]): SampleSet => ({
  stem: `${schema}.producer-copy`, schema, writer: producerCopy(schemaJson(schema)),
  written: records.map((r, i) => ({ ...r, producerBatch: `batch-${i}` })),
  expected: records.map((fields) => ({ fields })),
  singleObjects: [1],
});

export function goldenSampleSets(): readonly SampleSet[] {
  const dissemination = schemaJson(DISSEMINATION);
  const marketing = withField(dissemination, 'purpose', (old) => ({ ...(old as object), doc: 'Purpose as a producer with one more symbol has it.', symbols: ['DIRECT_CARE', 'PLANNING', 'RESEARCH', 'OTHER', 'MARKETING'] }));
  const withMarketing = [disseminations[0], { ...disseminations[1], purpose: 'MARKETING' }, disseminations[2]] as Record<string, unknown>[];
  const gpNullable = withField(schemaJson(GP), 'nhsNumber', () => ['null', 'string']);
  const gpWithNull = [gpEvents[0], { ...gpEvents[1], nhsNumber: null }] as Record<string, unknown>[];
  return [
    ownWriter(GP, GP, gpEvents),
    ownWriter(RECEIVED, RECEIVED, received),
    ownWriter(MANIFEST, MANIFEST, manifests),
    ownWriter(DISSEMINATION, DISSEMINATION, disseminations),
    ownWriter(ALERT_SCHEMA_NAME, ALERT_SCHEMA_NAME, alerts),
    producerWriter(GP, gpEvents),
    producerWriter(RECEIVED, received),
    producerWriter(MANIFEST, manifests),
    producerWriter(DISSEMINATION, disseminations),
    producerWriter(ALERT_SCHEMA_NAME, alerts),
    {
      // An unknown symbol is a dead letter for its own record only; the records around it still read.
      stem: `${DISSEMINATION}.extra-purpose-symbol`, schema: DISSEMINATION, writer: marketing, written: withMarketing,
      expected: [{ fields: withMarketing[0] as Record<string, unknown> }, { error: 'enum symbol not known to the reader' }, { fields: withMarketing[2] as Record<string, unknown> }],
      singleObjects: [1, 2],
    },
    {
      // An older writer without sourceEventId: the reader's default (null) fills it.
      stem: `${RECEIVED}.without-source-event-id`, schema: RECEIVED, writer: without(schemaJson(RECEIVED), 'sourceEventId'),
      written: received.map(({ sourceEventId: _omitted, ...rest }) => rest),
      expected: received.map((r) => ({ fields: { ...r, sourceEventId: null } })),
      singleObjects: [1],
    },
    {
      // A writer lacking a required field: the record reads with the field null, for validation to call MISSING_FIELD.
      stem: `${GP}.without-supplier`, schema: GP, writer: without(schemaJson(GP), 'supplier'),
      written: gpEvents.map(({ supplier: _omitted, ...rest }) => rest),
      expected: gpEvents.map((r) => ({ fields: { ...r, supplier: null } })),
      singleObjects: [1],
    },
    {
      // A writer whose nhsNumber may be null, and one record where it is.
      stem: `${GP}.nullable-nhs-number`, schema: GP, writer: gpNullable, written: gpWithNull,
      expected: gpWithNull.map((fields) => ({ fields })),
      singleObjects: [2],
    },
  ];
}
