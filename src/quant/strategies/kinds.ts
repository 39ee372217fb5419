/**
 * The strategy kinds by name, and their params types (validated output and accepted input, with
 * defaults optional).
 */
import { parseParams, type StrategyKind } from "./kind.ts";
import { donchian, type DonchianParams, type DonchianParamsInput } from "./donchian.ts";
import { maCross, type MaCrossParams, type MaCrossParamsInput } from "./ma-cross.ts";
import { meanReversion, type MeanReversionParams, type MeanReversionParamsInput } from "./mean-reversion.ts";
import { trendAtr, type TrendAtrParams, type TrendAtrParamsInput } from "./trend-atr.ts";
import { tsMomentum, type TsMomentumParams, type TsMomentumParamsInput } from "./ts-momentum.ts";
import { StrataError } from "../../core/errors.ts";
import { didYouMean } from "../../core/suggest.ts";

export interface StrategyParamsByKind {
  ma_cross: MaCrossParams;
  ts_momentum: TsMomentumParams;
  donchian: DonchianParams;
  mean_reversion: MeanReversionParams;
  trend_atr: TrendAtrParams;
}

export interface StrategyParamsInputByKind {
  ma_cross: MaCrossParamsInput;
  ts_momentum: TsMomentumParamsInput;
  donchian: DonchianParamsInput;
  mean_reversion: MeanReversionParamsInput;
  trend_atr: TrendAtrParamsInput;
}

export type StrategyKindName = keyof StrategyParamsByKind;

export const STRATEGY_KINDS: {
  readonly [K in StrategyKindName]: StrategyKind<StrategyParamsByKind[K], StrategyParamsInputByKind[K]>;
} = {
  ma_cross: maCross,
  ts_momentum: tsMomentum,
  donchian,
  mean_reversion: meanReversion,
  trend_atr: trendAtr,
};

export const STRATEGY_KIND_NAMES = Object.keys(STRATEGY_KINDS) as StrategyKindName[];

/** The kind named `name`, or a StrataError listing the kinds. */
export function strategyKind(name: string, fn: string): StrategyKind<unknown, unknown> {
  if (!Object.hasOwn(STRATEGY_KINDS, name)) {
    const suggestion = didYouMean(String(name), STRATEGY_KIND_NAMES);
    throw new StrataError("ARGUMENT", `${fn}: unknown strategy kind '${name}'${suggestion ? `, ${suggestion}` : ""}`, {
      hint: `use one of ${STRATEGY_KIND_NAMES.join(", ")}`,
    });
  }
  return STRATEGY_KINDS[name as StrategyKindName] as unknown as StrategyKind<unknown, unknown>;
}

/**
 * Validates one parameter set of `kind` and fills in its defaults; a StrataError names the param
 * and what it must be.
 */
export function parseStrategyParams<K extends StrategyKindName>(kind: K, params: unknown): StrategyParamsByKind[K] {
  return parseParams(strategyKind(kind, "parseStrategyParams"), params) as StrategyParamsByKind[K];
}
