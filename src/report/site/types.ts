/**
 * The contract of report pages: a page builder declares the outputs it needs and renders its
 * body from the catalog and a DuckDB connection. The site (build.ts) keeps the builders whose
 * needs some cell of the project declares, links them in the navigation and stamps each page.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Catalog } from "../catalog.ts";
import type { PreparedTable, TableData } from "../downloads.ts";
import type { SafeHtml } from "../html.ts";
import type { SubpageJob } from "./subpages.ts";

/**
 * Where the page stamp comes from.
 * - "lock": `pipeline report` — the sha256 of pipeline.lock, the git commit, run durations.
 * - "inputs": the report stage — a digest of the stage's inputs only; no git commit and no
 *   durations, so the same inputs always give byte-identical pages.
 */
export type Provenance = "lock" | "inputs";

/** A paper book as the attribution reads it: capital, each recorded day's equity and costs, positions. */
export interface PaperBookRecord {
  capital: number;
  equity: { date: string; equity: number; costs: number }[];
  positions: { date: string; symbol: string; shares: number }[];
}

/**
 * Attribution of a paper book against a prices file, supplied by `pipeline report` (the paper
 * layer computes it; the report layer only renders): null with fewer than two days.
 */
export type AttributeBook = (book: PaperBookRecord, pricesPath: string) => Promise<Record<string, unknown> | null>;

export interface SiteContext {
  catalog: Catalog;
  conn: DuckDBConnection;
  provenance: Provenance;
  /** `pipeline report` only: the paper page's attribution of the ledger's book. */
  attributeBook?: AttributeBook;
  /**
   * Reads started ahead of their page (`prefetch`), by key, shared with the page's own `build`
   * (shared-reads.ts). Absent: every read runs when its page asks.
   */
  reads?: Map<string, Promise<unknown>>;
}

export interface PageBuilder {
  /** File name of the page ("index.html", "backtest.html"). */
  file: string;
  /** Navigation label. */
  label: string;
  /** Page title (the <h1> and <title>). */
  title: string;
  /**
   * What the page needs: it exists when some cell declares every output of one of these sets
   * (e.g. [["returns", "weights"]]). An empty list means always (the overview).
   */
  needs: readonly (readonly string[])[];
  /**
   * Files outside pipeline.lock the page can also be built from (the paper ledger, the daily
   * monitoring reports): with them on disk the page exists even when no cell meets `needs`.
   * Only `pipeline report` ("lock" provenance) looks at them; the report stage reads its
   * inputs and nothing else, so its pages stay a pure function of those inputs.
   */
  live?: {
    /** What they are, for the report stage's placeholder ("the paper ledger data/paper/ledger.duckdb"). */
    describe: string;
    /** Whether any of them exists for this project. */
    exists(catalog: Catalog): boolean;
  };
  /** The page body. */
  build(ctx: SiteContext): Promise<SafeHtml>;
  /**
   * More pages of the builder (one per series, say), linked from its body and not in the
   * navigation, as jobs of plain data (subpages.ts), each drawn after the builder's page. Their
   * files start with the builder's file stem and "-" (`tearsheets-x.html`), so a rebuild
   * removes the ones no longer made; their tables' downloads are `data/<subpage stem>-<n>`.
   * Only `pipeline report` ("lock" provenance) writes them: the report stage's outputs are
   * declared up front.
   */
  subpages?(ctx: SiteContext): Promise<SubpageJob[]>;
  /**
   * The page's slow reads, through `sharedRead` on `ctx.conn` (a connection of their own),
   * one after the other: `pipeline report` starts them at the start, one page's after the
   * other's, and builds these pages last, so the reads run in DuckDB's threads while the other
   * pages draw; `build` then finds them done or in flight.
   */
  prefetch?(ctx: SiteContext): Promise<void>;
}

export interface BuiltPage {
  file: string;
  title: string;
  html: string;
  bytes: number;
  /** Number of <figure class="figure"> on the page. */
  figures: number;
  /** `pipeline report`: the full data of the tables of this page, for downloads (a subpage's as CSV). */
  downloads?: Array<TableData | PreparedTable>;
  /** A subpage taken from the subpage cache instead of drawn. */
  reused?: boolean;
  /** Wall time of building it (queries and drawing), in seconds: `pipeline report --json` shows it. */
  seconds?: number;
}
