import { PURPOSES, type Purpose } from './records.js';

/**
 * A dissemination line read straight from its binary encoding, to be screened as such when every text in it is
 * pure ASCII: where each text lies in `bytes`, and the other fields as values. One is filled in place for line
 * after line, so reading a line allocates nothing; only a line that is kept is made into a record.
 */
export class AsciiDissemination {
  bytes: Uint8Array = new Uint8Array(0);
  idStart = 0;
  idEnd = 0;
  nhsStart = 0;
  nhsEnd = 0;
  recipientStart = 0;
  recipientEnd = 0;
  purpose: Purpose = PURPOSES[0];
  sharedAt = 0;
}
