/**
 * data — the price table every later stage reads.
 *
 * Outputs
 *   prices(date DATE, symbol VARCHAR, open, high, low, close, volume DOUBLE, sector VARCHAR),
 *     ordered by (date, symbol); one row per symbol and trading day it traded.
 *   symbols(symbol VARCHAR, sector VARCHAR, first_date DATE, last_date DATE, rows BIGINT).
 * Volume is DOUBLE for every source so switching source never changes the schema.
 *
 * Sources
 *   synthetic  generateMarket(…) seeded with ctx.seed (see docs/synthetic-market.md)
 *   csv|parquet  a file declared under the stage's `files:` in pipeline.yaml, long (date,
 *              symbol, close[, open, high, low, volume, sector]) or wide (a date column and one
 *              column of closes per symbol): `format: auto` (default) tells them apart by the
 *              header and logs what it inferred. Validated (errors fail the stage naming file,
 *              line, symbol and date; warnings — gaps, stale symbols, constant closes, one-bar
 *              moves beyond `max_daily_move` — go to ctx.warn); `start`/`end`, when given, keep
 *              only rows in that range. Columns the file lacks are NULL in `prices`.
 */
import { defineStage, z, type StageContext } from "../src/index.ts";
import { StrataError } from "../src/core/errors.ts";
import { generateMarket } from "../src/data/synthetic.ts";
import { describeLayout, loadPrices } from "../src/data/ingest.ts";
import { formatIsoDate, parseIsoDate } from "../src/store/dates.ts";

/** What each column of table `prices` means. */
const PRICES_COLUMNS: Record<string, string> = {
  date: "Trading day.",
  symbol: "Asset identifier.",
  open: "Opening price (NULL when the source has none).",
  high: "Highest price of the day (NULL when the source has none).",
  low: "Lowest price of the day (NULL when the source has none).",
  close: "Closing price; returns are computed from it.",
  volume: "Traded volume in shares (DOUBLE for every source; NULL when the source has none).",
  sector: "Sector of the asset (NULL when the source has none).",
};

/** What each column of table `symbols` means. */
const SYMBOLS_COLUMNS: Record<string, string> = {
  symbol: "Asset identifier (one row per symbol of the prices).",
  sector: "Sector of the asset (its latest, when a file gives several).",
  first_date: "First trading day of the symbol in the prices.",
  last_date: "Last trading day of the symbol in the prices.",
  rows: "Number of price rows of the symbol.",
};

const DEFAULT_START = "2012-01-03",
  DEFAULT_END = "2024-12-31";

// YAML may hand over an unquoted 2012-01-03 as a Date; accept both and keep ISO text. The
// text must be a real calendar date (2023-02-30 is rejected here, at the param's position,
// not later by the generator or DuckDB).
const isoDate = z
  .union([z.string(), z.date()])
  .transform((v) => (typeof v === "string" ? v : v.toISOString().slice(0, 10)))
  .superRefine((v, ctx) => {
    if (parseIsoDate(v) === null) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(v)} is not a calendar date; expected "YYYY-MM-DD", e.g. 2012-01-03`,
      });
    }
  });

const columns = z
  .object({
    date: z.string(),
    symbol: z.string(),
    close: z.string(),
    open: z.string(),
    high: z.string(),
    low: z.string(),
    volume: z.string(),
    sector: z.string(),
  })
  .partial()
  .strict();

const params = z
  .object({
    source: z.enum(["synthetic", "csv", "parquet"]).default("synthetic"),
    /** Synthetic: number of symbols. */
    symbols: z.number().int().positive().default(200),
    /** Synthetic: first date (default 2012-01-03). Files: optional lower bound. */
    start: isoDate.optional(),
    /** Synthetic: last date (default 2024-12-31). Files: optional upper bound. */
    end: isoDate.optional(),
    /** Synthetic: number of sectors. */
    sectors: z.number().int().positive().default(10),
    /** Synthetic: strength κ of the planted signal (default from generateMarket; 0 disables). */
    signalStrength: z.number().min(0).optional(),
    /**
     * Synthetic: the last date of the calendar listing and delisting days are drawn over, on or
     * after start (default: end). `pipeline data update` pins it to the end it extends, so the
     * new `end` only appends days and every earlier row stays the same. Later than `end`, it
     * cuts that market at `end` (a retrain as of a past day sees exactly the rows it had then).
     */
    universeEnd: isoDate.optional(),
    /** Files: project-relative path, also listed under the stage's `files:`. */
    path: z.string().optional(),
    /** Files: canonical column → the file's header, e.g. { symbol: Ticker, close: "Adj Close" }. */
    columns: columns.optional(),
    /** Files: strptime format of the date column when it is not ISO. */
    dateFormat: z.string().optional(),
    /**
     * Files: "long" (a symbol column), "wide" (a date column and one column of closes per symbol)
     * or "auto" (default: wide when the header has a date column and no symbol column).
     */
    format: z.enum(["auto", "long", "wide"]).optional(),
    /** Files: warn when a close moves more than this fraction from one row to the next (decimal; default 1 = 100 %). */
    max_daily_move: z.number().positive().optional(),
    /** Files: prices above this are errors (corrupt cells, wrong units); default 1e9. */
    max_price: z.number().positive().optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.source !== "synthetic" && !p.path) {
      ctx.addIssue({
        code: "custom",
        path: ["path"],
        message: `source ${p.source} needs a path (and the same path under the stage's files:)`,
      });
    }
    if (p.source === "synthetic") {
      for (const key of ["path", "columns", "dateFormat", "format", "max_daily_move", "max_price"] as const) {
        if (p[key] !== undefined)
          ctx.addIssue({ code: "custom", path: [key], message: `${key} is only used with source csv or parquet` });
      }
    }
    if (p.source !== "synthetic" && p.universeEnd !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["universeEnd"],
        message: "universeEnd is only used with source synthetic",
      });
    // start ≤ end, with the synthetic defaults filled in (files have no default bounds). The
    // issue sits on the date that was written, so the error points at its line.
    const start = p.start ?? (p.source === "synthetic" ? DEFAULT_START : undefined);
    const end = p.end ?? (p.source === "synthetic" ? DEFAULT_END : undefined);
    if (start === undefined || end === undefined || parseIsoDate(start) === null || parseIsoDate(end) === null) return;
    if (p.universeEnd !== undefined && p.universeEnd < start)
      ctx.addIssue({
        code: "custom",
        path: ["universeEnd"],
        message: `universeEnd ${p.universeEnd} is before start ${start}; expected a date on or after start`,
      });
    if (end >= start) return; // ISO dates with 4-digit years order as text
    if (p.end !== undefined) {
      const dflt = p.start === undefined ? " (the default)" : "";
      ctx.addIssue({
        code: "custom",
        path: ["end"],
        message: `end ${end} is before start ${start}${dflt}; expected start ≤ end`,
      });
    } else {
      ctx.addIssue({
        code: "custom",
        path: ["start"],
        message: `start ${start} is after end ${end} (the default); expected start ≤ end`,
      });
    }
  });

type Params = z.output<typeof params>;

export default defineStage({
  description: "Daily prices: a synthetic market or a validated CSV/Parquet file",
  params,
  outputs: ["prices", "symbols"],
  async run(ctx) {
    if (ctx.params.source === "synthetic") await writeSynthetic(ctx);
    else await writeFromFile(ctx);
  },
});

/** Source synthetic: the generated market's prices and universe. */
async function writeSynthetic(ctx: StageContext<Params>): Promise<void> {
  const p = ctx.params;
  const m = generateMarket({
    symbols: p.symbols,
    start: p.start ?? DEFAULT_START,
    end: p.end ?? DEFAULT_END,
    seed: ctx.seed,
    sectors: p.sectors,
    signalStrength: p.signalStrength,
    universeEnd: p.universeEnd,
  });
  ctx.progress(0.5, "generated");
  await ctx.writeTable(
    "prices",
    {
      columns: {
        date: m.date,
        symbol: m.symbol,
        open: m.open,
        high: m.high,
        low: m.low,
        close: m.close,
        volume: m.volume,
        sector: m.sector,
      },
      types: { date: "DATE" },
    },
    { orderBy: ["date", "symbol"], describe: PRICES_COLUMNS },
  );
  // With universeEnd after end, symbols listing after end have no rows: left out, as a file's are.
  const u = m.universe.filter((s) => s.firstIndex <= s.lastIndex);
  await ctx.writeTable(
    "symbols",
    {
      columns: {
        symbol: u.map((s) => s.symbol),
        sector: u.map((s) => s.sector),
        first_date: u.map((s) => formatIsoDate(m.days[s.firstIndex])),
        last_date: u.map((s) => formatIsoDate(m.days[s.lastIndex])),
        rows: BigInt64Array.from(u, (s) => BigInt(s.lastIndex - s.firstIndex + 1)),
      },
      types: { first_date: "DATE", last_date: "DATE" },
    },
    { orderBy: ["symbol"], describe: SYMBOLS_COLUMNS },
  );
  const late = u.filter((s) => s.firstIndex > 0).length,
    gone = u.filter((s) => s.lastIndex < m.days.length - 1).length;
  ctx.log(
    `synthetic market: ${u.length} symbols (${late} listed late, ${gone} delisted), ${m.days.length} days, ` +
      `seed ${ctx.seed}`,
  );
  ctx.metric("rows", m.rows);
  ctx.metric("symbols", u.length);
  ctx.metric("start", m.dates[0] ?? null);
  ctx.metric("end", m.dates[m.dates.length - 1] ?? null);
}

/** Source csv or parquet: the declared file, validated (its warnings through ctx.warn), and its symbols. */
async function writeFromFile(ctx: StageContext<Params>): Promise<void> {
  const p = ctx.params;
  const file = ctx.file(p.path!);
  const { table, report } = await loadPrices(ctx.db, file, {
    format: p.source as "csv" | "parquet",
    columns: p.columns,
    dateFormat: p.dateFormat,
    table: "__data_prices",
    start: p.start,
    end: p.end,
    layout: p.format,
    maxPrice: p.max_price,
    maxDailyMove: p.max_daily_move,
    label: p.path,
    // ctx.warn keeps 20 warnings per cell: 15 listed, then one line with the count.
    maxProblems: 15,
  });
  const inferred =
    p.format === undefined || p.format === "auto"
      ? " — inferred from the header (set format: long or wide to override)"
      : "";
  ctx.log(`${p.path}: ${describeLayout(report)}${inferred}`);
  for (const w of report.warnings) ctx.warn(`${w.message}${w.hint ? ` — ${w.hint}` : ""}`);
  if (report.warningCount > report.warnings.length) {
    ctx.warn(
      `${p.path}: ${report.warningCount - report.warnings.length} more data warnings not listed; see pipeline data ` +
        `validate ${p.path}`,
    );
  }
  // loadPrices keeps only start..end and sorts by (date, symbol) once; a plain scan of its
  // table returns that order (see loadPrices), so the write does not sort again.
  const { rows } = await ctx.writeTable("prices", `SELECT * FROM ${table}`, { describe: PRICES_COLUMNS });
  if (rows === 0) {
    throw new StrataError(
      "DATA",
      `${p.path}: no rows between ${p.start ?? "the start"} and ${p.end ?? "the end"} (file covers ${report.start} ` +
        `.. ${report.end})`,
      {
        hint: "widen start/end or remove them",
      },
    );
  }
  // One more pass over the big table builds the small per-symbol table; the metrics come
  // from that (one row per symbol), not from further scans of the prices.
  const symbols = "__data_symbols";
  await ctx.db.run(`CREATE OR REPLACE TEMP TABLE ${symbols} AS
       SELECT symbol, any_value(sector ORDER BY date DESC) AS sector, min(date) AS first_date, max(date) AS last_date,
       count(*) AS rows
       FROM ${table} GROUP BY symbol`);
  await ctx.writeTable("symbols", `SELECT * FROM ${symbols}`, { orderBy: ["symbol"], describe: SYMBOLS_COLUMNS });
  const [s] = await ctx.db
    .runAndReadAll(`SELECT count(*)::INTEGER, min(first_date)::VARCHAR, max(last_date)::VARCHAR FROM ${symbols}`)
    .then((r) => r.getRows());
  await ctx.db.run(`DROP TABLE ${symbols}`);
  ctx.metric("rows", rows);
  ctx.metric("symbols", Number(s[0]));
  ctx.metric("start", String(s[1]));
  ctx.metric("end", String(s[2]));
  ctx.metric("warnings", report.warningCount);
}
