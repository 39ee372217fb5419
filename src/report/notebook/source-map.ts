/**
 * Generated position → original line, from a source map's `mappings` (Base64 VLQ, as esbuild
 * writes them: https://sourcemaps.info/spec.html, "Proposed Format"). Only lines are needed
 * here: an error in a cell is reported at its notebook line.
 */

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...B64].map((c, i) => [c, i]));

/** Decode one segment's VLQ fields. */
function decodeSegment(seg: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of seg) {
    const d = DIGIT.get(ch);
    if (d === undefined) throw new Error(`source map: invalid base64 digit '${ch}'`);
    value += (d & 31) << shift;
    if (d & 32) {
      shift += 5;
    } else {
      const negative = value & 1;
      value >>>= 1;
      out.push(negative ? -value : value);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** Per generated line (0-based), the segments [generatedColumn, originalLine] (0-based). */
export type LineMap = Array<Array<[number, number]>>;

export function decodeMappings(mappings: string): LineMap {
  const lines: LineMap = [];
  let origLine = 0;
  for (const line of mappings.split(";")) {
    const segs: Array<[number, number]> = [];
    let col = 0;
    for (const seg of line.split(",")) {
      if (!seg) continue;
      const f = decodeSegment(seg);
      col += f[0];
      if (f.length >= 4) {
        origLine += f[2];
        segs.push([col, origLine]);
      }
    }
    lines.push(segs);
  }
  return lines;
}

/**
 * The original line (0-based) of a generated position (0-based line and column): the last
 * segment at or before the column, else the first of the line, else the nearest line above.
 */
export function originalLine(map: LineMap, line: number, column: number): number | undefined {
  for (let l = Math.min(line, map.length - 1); l >= 0; l--) {
    const segs = map[l];
    if (!segs.length) continue;
    if (l < line) return segs[segs.length - 1][1];
    let best = segs[0];
    for (const s of segs) if (s[0] <= column) best = s;
    return best[1];
  }
  return undefined;
}
