// JSON.stringify(value, null, 2) + '\n', as a sequence of chunks of about CHUNK characters, so that a report of
// hundreds of thousands of alerts is written without ever being one string. Objects are opened here down to
// `depth`; below it each value is JSON.stringify's own text, re-indented: JSON escapes a newline inside
// a string, so every newline in that text is between tokens. Arrays are opened at any depth: a long one (alerts,
// dead letters) is written an element at a time.
const CHUNK = 1 << 16;
const STEP = '  ';

export function* jsonChunks(value: unknown, depth = 2): Generator<string> {
  let buffer = '';
  // Written whole by JSON.stringify: below the depth opened (arrays apart), or not an object at all.
  const isLeaf = (v: unknown, level: number): boolean =>
    (level >= depth && !Array.isArray(v)) || v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function';
  const leaf = (v: unknown, indent: string): void => {
    const text = JSON.stringify(v, null, 2) as string | undefined;
    buffer += text === undefined ? 'null' : indent === '' ? text : text.replaceAll('\n', `\n${indent}`);
  };
  // A generator only where a container is opened; leaves are appended in place, and a chunk handed out after
  // each element once the buffer is full.
  function* write(v: unknown, indent: string, level: number): Generator<string> {
    if (isLeaf(v, level)) return leaf(v, indent);
    const inner = indent + STEP;
    // An array's elements and an object's members are written alike: each with its prefix (the indent, and for a
    // member its key), a comma between them, a chunk handed out after any once the buffer is full.
    const entries = Array.isArray(v) ? null : Object.entries(v as object).filter(([, x]) => x !== undefined && typeof x !== 'function' && typeof x !== 'symbol');
    const count = entries === null ? (v as unknown[]).length : entries.length;
    const [open, close] = entries === null ? ['[', ']'] : ['{', '}'];
    if (count === 0) {
      buffer += open + close;
      return;
    }
    buffer += `${open}\n`;
    for (let i = 0; i < count; i++) {
      let x: unknown;
      if (entries === null) {
        buffer += inner;
        x = (v as unknown[])[i];
      } else {
        const [key, value] = entries[i]!;
        buffer += `${inner}${JSON.stringify(key)}: `;
        x = value;
      }
      if (isLeaf(x, level + 1)) leaf(x, inner);
      else yield* write(x, inner, level + 1);
      buffer += i < count - 1 ? ',\n' : '\n';
      if (buffer.length >= CHUNK) {
        yield buffer;
        buffer = '';
      }
    }
    buffer += `${indent}${close}`;
  }
  yield* write(value, '', 0);
  buffer += '\n';
  yield buffer;
}
