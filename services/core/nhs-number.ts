// NHS number check: exactly ten ASCII digits whose tenth is the Modulus 11 check digit of the first nine
// (weights 10..2; 11 - remainder; 11 becomes 0; 10 is invalid). Source: the NHS Data Dictionary, NHS NUMBER.
export function isValidNhsNumber(value: string): boolean {
  if (value.length !== 10) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    sum += d * (10 - i);
  }
  return checkDigitFits(sum, value.charCodeAt(9));
}

/** isValidNhsNumber for a text of ASCII bytes, `bytes[start..end)`: an ASCII byte is its UTF-16 code unit. */
export function isValidNhsNumberAscii(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start !== 10) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    const d = bytes[start + i]! - 48;
    if (d < 0 || d > 9) return false;
    sum += d * (10 - i);
  }
  return checkDigitFits(sum, bytes[start + 9]!);
}

/** Whether the code unit `last` is the digit that Modulus 11 makes of nine digits weighted 10..2 to `weightedSum`. */
function checkDigitFits(weightedSum: number, last: number): boolean {
  const digit = last - 48;
  if (digit < 0 || digit > 9) return false;
  let check = 11 - (weightedSum % 11);
  if (check === 11) check = 0;
  return check === digit; // a check of 10 matches no digit: invalid
}
