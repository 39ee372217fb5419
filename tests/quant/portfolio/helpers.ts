import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/portfolio");

/** A wide price CSV (first column the date/row label) → asset names and price columns (empty → NaN). */
export function readWide(name: string): { assets: string[]; prices: Float64Array[] } {
  const lines = readFileSync(join(FIXTURES, name), "utf8").trim().split("\n");
  const assets = lines[0].split(",").slice(1);
  const cols = assets.map(() => [] as number[]);
  for (const l of lines.slice(1))
    l.split(",")
      .slice(1)
      .forEach((v, j) => cols[j].push(v === "" ? NaN : Number(v)));
  return { assets, prices: cols.map((c) => Float64Array.from(c)) };
}
