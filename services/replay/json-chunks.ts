// JSON.stringify(value, null, 2) + '\n', as a sequence of chunks of about CHUNK characters, so that a report of
// hundreds of thousands of alerts is written without ever being one string. Objects are opened here down to
// `depth`; below it each value is JSON.stringify's own text, re-indented: JSON escapes a newline inside
// a string, so every newline in that text is between tokens. Arrays are opened at any depth: a long one (alerts,
// dead letters) is written an element at a time.
const CHUNK = 1 << 16;
const STEP = '  ';

export function* jsonChunks(value: unknown, depth = 2): Generator<string> {
  let buffer = '';
  function* emit(text: string): Generator<string> {
    buffer += text;
    if (buffer.length >= CHUNK) {
      yield buffer;
      buffer = '';
    }
  }
  function* write(v: unknown, indent: string, level: number): Generator<string> {
    const json = (v as { toJSON?: unknown } | null)?.toJSON;
    if ((level >= depth && !Array.isArray(v)) || v === null || typeof v !== 'object' || typeof json === 'function') {
      const text = JSON.stringify(v, null, 2) as string | undefined;
      yield* emit(text === undefined ? 'null' : indent === '' ? text : text.replaceAll('\n', `\n${indent}`));
      return;
    }
    const inner = indent + STEP;
    if (Array.isArray(v)) {
      if (v.length === 0) return yield* emit('[]');
      yield* emit('[\n');
      for (let i = 0; i < v.length; i++) {
        yield* emit(inner);
        yield* write(v[i], inner, level + 1);
        yield* emit(i < v.length - 1 ? ',\n' : '\n');
      }
      return yield* emit(`${indent}]`);
    }
    const entries = Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== 'function' && typeof x !== 'symbol');
    if (entries.length === 0) return yield* emit('{}');
    yield* emit('{\n');
    for (let i = 0; i < entries.length; i++) {
      const [key, x] = entries[i]!;
      yield* emit(`${inner}${JSON.stringify(key)}: `);
      yield* write(x, inner, level + 1);
      yield* emit(i < entries.length - 1 ? ',\n' : '\n');
    }
    yield* emit(`${indent}}`);
  }
  yield* write(value, '', 0);
  buffer += '\n';
  yield buffer;
}
