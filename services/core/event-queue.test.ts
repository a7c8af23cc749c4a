import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.js';

describe('EventQueue', () => {
  // Burst 1: every push sorted onto the runway (an engine fed in order); 8: bursts and single pushes mixed.
  it.each([1, 8])('hands items out in order, however pushes and pops interleave (burst %i)', (burst) => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 40 }), fc.constant('pop' as const)), { maxLength: 60 }), (steps) => {
      const queue = new EventQueue<number>((a, b) => a < b, burst);
      const model: number[] = [];
      for (const step of steps) {
        if (step === 'pop') {
          model.sort((a, b) => a - b);
          expect(queue.pop()).toBe(model.shift());
        } else {
          for (const n of step) {
            queue.push(n);
            model.push(n);
          }
        }
      }
      model.sort((a, b) => a - b);
      const rest: number[] = [];
      for (let n = queue.pop(); n !== undefined; n = queue.pop()) rest.push(n);
      expect(rest).toEqual(model);
    }), { numRuns: 500 });
  });
});
