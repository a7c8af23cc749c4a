// Texts read straight from an input's bytes when every byte is ASCII (below 0x80): each byte is then one UTF-16
// code unit, the same one the UTF-8 decoding of those bytes gives.

/** The string of the ASCII bytes `bytes[start..end)`. */
export function asciiString(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}
