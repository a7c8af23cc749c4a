// How far V8 lets a heap grow past what its last full collection found live. By default it may grow to about
// four times that before collecting again, and the replay's main thread makes garbage in long-lived shapes (the
// records it is handed are held until the engine has taken them): on the alert-heavy bench shape its heap reached
// 305 MB in use when 141 MB were live, and the process peaked at 490 MB. Growing by half instead keeps that peak
// near 370 MB, for a few more full collections, most of whose marking runs beside the main thread.
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWTH_PERCENT = 50;

/**
 * Sets the growth for every heap of the process, the worker threads' included. V8 reads the flag at each full
 * collection, so setting it once the process runs takes effect from the next one.
 */
export function growHeapsByHalf(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWTH_PERCENT}`);
}
