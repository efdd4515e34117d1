// Prints Kubernetes Table objects (what the API server returns for
// Accept: as=Table) the way kubectl does: upper-case headers, aligned columns,
// priority > 0 columns only with -o wide.

export interface Table {
  kind: 'Table';
  columnDefinitions: { name: string; type?: string; priority?: number }[];
  rows: { cells: unknown[]; object?: { metadata?: { namespace?: string; name?: string } } }[];
}

export function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Table';
}

export function formatTable(table: Table, options: { wide?: boolean; withNamespace?: boolean; noHeaders?: boolean } = {}): string {
  const columns = table.columnDefinitions
    .map((c, i) => ({ ...c, index: i }))
    .filter((c) => options.wide || !c.priority);
  const header = columns.map((c) => c.name.toUpperCase());
  const rows = table.rows.map((r) => columns.map((c) => cellText(r.cells[c.index])));
  if (options.withNamespace) {
    header.unshift('NAMESPACE');
    table.rows.forEach((r, i) => rows[i]!.unshift(r.object?.metadata?.namespace ?? ''));
  }
  const all = options.noHeaders ? rows : [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n');
}

function cellText(value: unknown): string {
  if (value === undefined || value === null || value === '') return '<none>';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}
