// A dissemination file's blocks screened (core/dissemination-judge.ts, DisseminationScreen) as they are read,
// one ScreenedDisseminations per block. When the file's writer schema is ours (save perhaps for the Purpose
// symbols: ascii-dissemination-reader.ts), the common lines are screened straight from the block's bytes (ascii-dissemination-reader.ts): no strings, no record objects, but
// for the lines that are kept. Every other line is decoded by avsc and screened as a decoded item, so its dead
// letter, reason, detail and position are what they always are.
import { AsciiDissemination } from '../core/ascii-dissemination.js';
import type { DisseminationScreen } from '../core/dissemination-judge.js';
import type { ReadItem } from '../core/read-item.js';
import { ScreenedBatch, type ScreenedDisseminations } from '../core/screened-disseminations.js';
import { readAsciiDissemination, writerPurposes, type WriterPurposes } from './ascii-dissemination-reader.js';
import type { BlockSink, BlockSinks } from './block-sink.js';

export function screenedDisseminationBlocks(screen: DisseminationScreen): BlockSinks<ScreenedDisseminations> {
  const line = new AsciiDissemination();
  // Worked out once per file: every block of a file is given the same writer schema.
  let writerSeen: unknown = null;
  let purposes: WriterPurposes | null = null;
  return (records, writer) => {
    if (writer !== writerSeen) {
      writerSeen = writer;
      purposes = writer === null ? null : writerPurposes(writer);
    }
    const batch = new ScreenedBatch(records);
    const read = purposes;
    // The block's bytes, for reading again the few lines the objector map says maybe of.
    let bytes: Buffer | null = null;
    const sink: BlockSink<ScreenedDisseminations> = {
      push: (item: ReadItem) => screen.screenItem(item, batch),
      batch: () => {
        const data = bytes;
        if (data !== null && read !== null) {
          screen.settleAscii(batch, (place) => {
            readAsciiDissemination(data, place, read, line);
            return line;
          });
        }
        return batch.finish();
      },
    };
    if (read === null) return sink;
    return {
      ...sink,
      readDirect: (data, pos, position, maxBytes) => {
        bytes = data;
        const end = readAsciiDissemination(data, pos, read, line);
        return end >= 0 && end - pos <= maxBytes && screen.screenAscii(line, position, pos, batch) ? end : -1;
      },
    };
  };
}
