// Record ids: a prefix and a zero-padded counter, so that ids sort as they were issued. That matters where the
// rules break time ties by id (receipts of one extract share receivedAt).

import { tenDigits } from './digit-groups.js';

export class IdSequence {
  readonly #prefix: string;
  #next = 1;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  next(): string {
    return this.#format(this.#next++);
  }

  /** The id the next call to next() will return, without taking it. */
  peek(): string {
    return this.#format(this.#next);
  }

  #format(n: number): string {
    return this.#prefix + tenDigits(n);
  }
}
