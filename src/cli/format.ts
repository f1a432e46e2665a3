import type { Command } from 'commander';
import { printJson } from './context.js';

/** Amounts in the report's currency; — where there is none. */
export function moneyFormatter(currency: string): (x: number | null) => string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency });
  return (x) => (x === null ? '—' : format.format(x));
}

export { counted } from '../domain/counted.js';

/** A plain text table: columns padded to their widest cell. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** How a list command prints its items. */
export interface Listing<T> {
  /** Each item's JSON (else the item as it is). */
  json?: (item: T) => unknown;
  /** Printed instead of an empty table (e.g. how to create the first). */
  empty?: string;
  headers: string[];
  row: (item: T) => string[];
}

/** A list: JSON with --json, else a table (or the `empty` hint when there is nothing to list). */
export function printListing<T>(items: T[], opts: { json?: boolean }, listing: Listing<T>): void {
  if (opts.json) return printJson(listing.json ? items.map(listing.json) : items);
  if (items.length === 0 && listing.empty !== undefined) return console.log(listing.empty);
  console.log(formatTable(listing.headers, items.map(listing.row)));
}

/** A command that lists what `load` returns, as a table or with --json as JSON. */
export function addListCommand<T>(
  parent: Command,
  name: string,
  command: Listing<T> & { description: string; load(): Promise<T[]> },
): Command {
  return parent
    .command(name)
    .description(command.description)
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => printListing(await command.load(), opts, command));
}
