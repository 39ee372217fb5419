#!/usr/bin/env node
/**
 * Make a runnable project of this example in DIR (default ./real-stocks-study):
 * the repository's src/ and stages/ copied (a project's stage code lives inside it, so the
 * lock can hash it), node_modules linked, this folder's pipeline.yaml, and the price file
 * tests/fixtures/portfolio/stock_prices.csv (PyPortfolioOpt, MIT; see that folder's README)
 * as data/raw/stock_prices.csv. Then:
 *
 *   cd DIR && node <repo>/bin/pipeline.js run && node <repo>/bin/pipeline.js report
 */
import { cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const dir = resolve(process.argv[2] ?? "real-stocks-study");
if (existsSync(join(dir, "pipeline.yaml"))) {
  console.error(`${dir} already holds a pipeline.yaml; pass an empty or new folder`);
  process.exit(2);
}
mkdirSync(join(dir, "data", "raw"), { recursive: true });
cpSync(join(repo, "src"), join(dir, "src"), { recursive: true });
cpSync(join(repo, "stages"), join(dir, "stages"), { recursive: true });
if (!existsSync(join(dir, "node_modules"))) symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"), "dir");
writeFileSync(
  join(dir, "package.json"),
  JSON.stringify({ name: "real-stocks-study", type: "module", private: true }, null, 2) + "\n",
);
cpSync(join(here, "pipeline.yaml"), join(dir, "pipeline.yaml"));
cpSync(join(repo, "tests", "fixtures", "portfolio", "stock_prices.csv"), join(dir, "data", "raw", "stock_prices.csv"));
console.log(`${dir}: ready — cd there and run: node ${join(repo, "bin", "pipeline.js")} run`);
