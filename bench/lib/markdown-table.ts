export type Align = 'left' | 'right'

/** A GitHub-flavoured markdown table, padded so it also reads well in a terminal. */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const widths = headers.map((header, i) =>
    Math.max(3, header.length, ...rows.map((r) => (r[i] ?? '').length)),
  )
  const pad = (cell: string, i: number) =>
    align[i] === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)
  const line = (cells: readonly string[]) =>
    `| ${headers.map((_, i) => pad(cells[i] ?? '', i)).join(' | ')} |`
  const rule = `| ${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`
  return [line(headers), rule, ...rows.map(line)].join('\n')
}
