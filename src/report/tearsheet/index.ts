/**
 * The charts quants expect of a return series, in reading order: cumulative return against the
 * benchmark (log scale once growth spans more than 4×), underwater curve, monthly returns with yearly totals, rolling
 * Sharpe ratio and volatility, the five worst drawdowns, the distribution with VaR and CVaR,
 * and turnover and exposure when the series carries them.
 */
import { join, type SafeHtml } from "../html.ts";
import { cumulativeFigure } from "./cumulative.ts";
import { distributionFigure } from "./distribution.ts";
import { worstDrawdownsTable } from "./drawdowns.ts";
import { exposureFigures } from "./exposure.ts";
import { monthlyFigure } from "./monthly.ts";
import { rollingFigures } from "./rolling.ts";
import type { ReturnSeries } from "./series.ts";
import { underwaterFigure } from "./underwater.ts";

export type { ReturnSeries } from "./series.ts";

export function tearsheetFigures(s: ReturnSeries): SafeHtml {
  return join([
    cumulativeFigure(s),
    underwaterFigure(s),
    monthlyFigure(s),
    ...rollingFigures(s),
    worstDrawdownsTable(s),
    distributionFigure(s),
    ...exposureFigures(s),
  ]);
}
