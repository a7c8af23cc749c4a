import type { AsciiDissemination } from './ascii-dissemination.js';
import type { CodeCatalogue } from './code-catalogue.js';
import { Fingerprinter } from './fingerprint.js';
import { validateAsciiDissemination, validateFields, type FieldValidation } from './record-validation.js';
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

  /**
   * screen('ndsDisseminations', …) for a line read from its bytes, when every text in it is ASCII: the same
   * validation and fingerprints (an ASCII byte is its UTF-16 unit, and its UTF-8 byte). Null when a text is not
   * ASCII, or the line is not the common case: it is then to be decoded and screened as usual, which gives the
   * reason.
   */
  screenAsciiDissemination(line: AsciiDissemination): FieldValidation | null {
    const bytes = line.bytes;
    // Fingerprinted first: the fingerprints tell whether the texts are ASCII, which everything else relies on.
    const id = this.idPrint.begin().asciiText(bytes, line.idStart, line.idEnd);
    const content = this.contentPrint.begin().asciiText(bytes, line.nhsStart, line.nhsEnd).asciiText(bytes, line.recipientStart, line.recipientEnd);
    if (((id.byteBits | content.byteBits) & 0x80) !== 0) return null;
    const validation = validateAsciiDissemination(line);
    if (validation === null || !validation.ok) return validation;
    id.end();
    content.text(line.purpose).integer(line.sharedAt).end();
    this.idHi = id.hi;
    this.idLo = id.lo;
    this.contentHi = content.hi;
    this.contentLo = content.lo;
    return validation;
  }
}
