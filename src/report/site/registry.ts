/**
 * The pages of the report site, in navigation order. A page exists when some cell declares the
 * outputs it needs, so a project without a stage simply has no such page.
 *
 * Extension point: a paper-trading or monitoring page is one more PageBuilder here, keyed by
 * the outputs its stage writes (e.g. `needs: [["ledger"]]` for a paper-trading ledger,
 * `needs: [["drift"]]` for monitoring). Nothing else changes: the navigation, the stamp, the
 * `pipeline report` command and the report stage's outputs all follow this list.
 */
import { backtestPage } from "./backtest-page.ts";
import { dataPage } from "./data-page.ts";
import { featuresPage } from "./features-page.ts";
import { modelsPage } from "./models-page.ts";
import { overviewPage } from "./overview.ts";
import { selectionPage } from "./selection-page.ts";
import { statisticsPage } from "./statistics-page.ts";
import type { PageBuilder } from "./types.ts";

export const SITE_PAGES: readonly PageBuilder[] = [
  overviewPage,
  dataPage,
  featuresPage,
  modelsPage,
  backtestPage,
  statisticsPage,
  selectionPage,
];
