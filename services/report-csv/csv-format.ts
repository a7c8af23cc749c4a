// RFC 4180 text: fields separated by commas, records by CRLF; a field holding a comma, a double quote, CR or LF
// is quoted, with quotes doubled. A text cell starting with =, +, -, @ (or a tab or CR, which some
// spreadsheets skip before reading a formula) gets a leading single quote, so that opening the file cannot run
// a formula planted in an input (OWASP, "CSV Injection"). Numbers and booleans are written as they are.

export type CsvValue = string | number | boolean | null;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvText(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [header.map(csvCell).join(','), ...rows.map((row) => row.map(csvCell).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
