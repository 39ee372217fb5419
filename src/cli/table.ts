/**
 * A plain text table: columns padded to their widest cell, two spaces apart, `right` columns
 * right-aligned. `paint` colors a cell after padding (ANSI codes never skew the widths).
 */
export function table(
  header: string[],
  rows: string[][],
  right: ReadonlySet<number> = new Set(),
  paint?: (row: number, col: number, padded: string) => string,
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[], at: number) =>
    r
      .map((c, i) => {
        const padded = right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!);
        return at >= 0 && paint ? paint(at, i, padded) : padded;
      })
      .join("  ")
      .trimEnd();
  return [line(header, -1), ...rows.map((r, i) => line(r, i))].join("\n") + "\n";
}
