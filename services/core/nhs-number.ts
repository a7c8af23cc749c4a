// NHS number check: exactly ten ASCII digits whose tenth is the Modulus 11 check digit of the first nine
// (weights 10..2; 11 - remainder; 11 becomes 0; 10 is invalid). Source: shared/domain, section on NHS numbers.
export function isValidNhsNumber(value: string): boolean {
  if (value.length !== 10) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (i < 9) sum += d * (10 - i);
  }
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  if (check === 10) return false;
  return check === value.charCodeAt(9) - 48;
}
