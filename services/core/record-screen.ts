import type { CodeCatalogue } from './code-catalogue.js';
import { Fingerprinter } from './fingerprint.js';
import { validateFields, type FieldValidation } from './record-validation.js';
import { STREAM_FIELDS, type DecodedFields, type StreamName } from './records.js';

/**
 * Validation plus the two fingerprints duplicate detection needs (the id's, and the whole content's). After a
 * valid `screen`, `idHi`, `idLo`, `contentHi` and `contentLo` hold them. Allocates nothing per record.
 */
export class RecordScreen {
  idHi = 0;
  idLo = 0;
  contentHi = 0;
  contentLo = 0;
  private readonly idPrint = new Fingerprinter();
  private readonly contentPrint = new Fingerprinter();

  constructor(private readonly catalogue: CodeCatalogue) {}

  screen(stream: StreamName, fields: DecodedFields): FieldValidation {
    const validation = validateFields(stream, fields, this.catalogue);
    if (!validation.ok) return validation;
    if (stream === 'ndsDisseminations') {
      // The largest input by far: its fields read directly, in the order of the general loop below.
      const id = this.idPrint.begin().text(fields.disseminationId as string).end();
      const content = this.contentPrint.begin().text(fields.nhsNumber as string).text(fields.recipient as string).text(fields.purpose as string).integer(fields.sharedAt as number).end();
      this.idHi = id.hi;
      this.idLo = id.lo;
      this.contentHi = content.hi;
      this.contentLo = content.lo;
      return validation;
    }
    const spec = STREAM_FIELDS[stream];
    const id = this.idPrint.begin().text(fields[spec.id] as string).end();
    // The content fingerprint is only ever compared between records with the same id: it leaves the id out.
    const content = this.contentPrint.begin();
    const names = spec.fields;
    for (let i = 0; i < names.length; i++) {
      if (names[i] === spec.id) continue;
      const value = fields[names[i]!];
      if (value === null || value === undefined) content.absent();
      else if (typeof value === 'number') content.integer(value);
      else content.text(value as string);
    }
    content.end();
    this.idHi = id.hi;
    this.idLo = id.lo;
    this.contentHi = content.hi;
    this.contentLo = content.lo;
    return validation;
  }
}
