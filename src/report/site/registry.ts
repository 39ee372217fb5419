/**
 * The pages of the report site, in navigation order. A page exists when some cell declares the
 * outputs it needs, so a project without a stage simply has no such page.
 *
 * A page may also be built from files outside the lock (`live`): the paper page from the
 * ledger of `pipeline paper run`, the monitoring page from its daily monitoring reports and
 * the alert log — for `pipeline report` only. The navigation, the stamp, the command and the
 * report stage's outputs all follow this list.
 */
import { ablationPage } from "./ablation-page.ts";
import { attributionPage } from "./attribution-page.ts";
import { backtestPage } from "./backtest-page.ts";
import { bookPage } from "./book-page.ts";
import { dataPage } from "./data-page.ts";
import { featuresPage } from "./features-page.ts";
import { modelsPage } from "./models-page.ts";
import { monitoringPage } from "./monitoring-page.ts";
import { overviewPage } from "./overview.ts";
import { paperPage } from "./paper-page.ts";
import { selectionPage } from "./selection-page.ts";
import { statisticsPage } from "./statistics-page.ts";
import { strategiesPage } from "./strategies-page.ts";
import { tearsheetsPage } from "./tearsheets-page.ts";
import type { PageBuilder } from "./types.ts";

export const SITE_PAGES: readonly PageBuilder[] = [
  overviewPage,
  dataPage,
  featuresPage,
  modelsPage,
  ablationPage,
  backtestPage,
  tearsheetsPage,
  attributionPage,
  strategiesPage,
  statisticsPage,
  selectionPage,
  bookPage,
  paperPage,
  monitoringPage,
];
