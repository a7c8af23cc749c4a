import { esc } from './html-escape.js';

// A table the page's script can sort by any column (click a heading) and, with `searchable`, filter. Rows
// are written in the order given, which is the order it prints in before anyone sorts it.

export interface Column<T> {
  readonly heading: string;
  readonly numeric?: boolean;
  /** The cell's text. */
  readonly text: (row: T) => string;
  /** What the column sorts by, when not the text (e.g. a number behind "1,234"). */
  readonly sortKey?: (row: T) => string | number;
  readonly className?: string;
}

export function sortableTable<T>(id: string, columns: readonly Column<T>[], rows: readonly T[], caption: string): string {
  const head = columns.map((c, i) => `<th scope="col" data-col="${i}"${c.numeric ? ' data-numeric="1" class="num"' : ''}>${esc(c.heading)}</th>`).join('');
  const body = rows.map((row) => {
    const cells = columns.map((c) => {
      const key = c.sortKey ? ` data-sort="${esc(c.sortKey(row))}"` : '';
      const cls = [c.numeric ? 'num' : '', c.className ?? ''].filter((s) => s !== '').join(' ');
      return `<td${cls ? ` class="${cls}"` : ''}${key}>${esc(c.text(row))}</td>`;
    });
    return `<tr>${cells.join('')}</tr>`;
  }).join('\n');
  return `<table id="${esc(id)}" class="sortable"><caption>${esc(caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}
