/**
 * Paper-trading settings: the broker (simulated or Alpaca), the trade generator, the safety checks and the
 * kill switch. Every field has a default; fractions are decimals of equity (0.10 = 10 %),
 * costs in basis points per side on traded notional, ADV in shares (20-day mean volume).
 */
import { z } from "zod";
import { checkRolloutSteps } from "./rollout.ts";

export const paperConfigSchema = z
  .object({
    /** Starting cash of a new ledger (currency units). */
    capital: z.number().positive().default(1_000_000),
    broker: z
      .object({
        /**
         * Who fills the orders: "sim" (the simulated broker, on the trade day's bar) or "alpaca"
         * (Alpaca's paper-trading API, src/paper/alpaca-broker.ts; see docs/brokers.md).
         */
        kind: z.enum(["sim", "alpaca"]).default("sim"),
        /** Which price of the trade day's bar fills an order: its open or its close. */
        fill: z.enum(["open", "close"]).default("close"),
        /** Slippage, bps per side: buys fill at price × (1 + s), sells at price × (1 − s). */
        slippage_bps: z.number().min(0).optional(),
        /** Commission, bps per side on the filled notional (default: the champion's backtest costs). */
        commission_bps: z.number().min(0).optional(),
        /** Commission per share filled, on top (currency units). */
        commission_per_share: z.number().min(0).default(0),
        /**
         * At most this share of the 20-day average daily volume fills per order; the rest is cancelled. null = no cap.
         */
        max_participation: z.number().positive().max(1).nullable().default(0.1),
        adv_window: z.number().int().min(1).default(20),
        /**
         * The Alpaca adapter's settings (kind "alpaca" only). Credentials are never read from the
         * config: they come from APCA_API_KEY_ID / APCA_API_SECRET_KEY in the environment.
         * fill, slippage_bps, commission_bps, commission_per_share and max_participation are the
         * simulated broker's; Alpaca fills at its own prices (the slippage and commission rates
         * still price the trade list's estimates and the cost check).
         */
        alpaca: z
          .object({
            /** Trading API root (default https://paper-api.alpaca.markets; the live host is refused). */
            base_url: z.url({ protocol: /^https?$/ }).optional(),
            /** How long one order may stay open before its remainder is cancelled, ms (default 60 000). */
            fill_timeout_ms: z.number().int().min(0).optional(),
            /** Interval between two status polls of an open order, ms (default 1 000). */
            poll_ms: z.number().int().positive().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .superRefine((b, ctx) => {
        if (b.alpaca !== undefined && b.kind !== "alpaca")
          ctx.addIssue({
            code: "custom",
            path: ["alpaca"],
            message:
              `an alpaca block is set but broker.kind is '${b.kind}', so the simulated broker would fill ` +
              "and the block would be ignored; set broker.kind: alpaca (or pass --broker alpaca) to trade " +
              "on Alpaca, or remove broker.alpaca",
          });
      })
      .default({ kind: "sim", fill: "close", commission_per_share: 0, max_participation: 0.1, adv_window: 20 }),
    trades: z
      .object({
        /** Trades below this notional (currency) are skipped (closing a position is always allowed). */
        min_notional: z.number().min(0).default(100),
        /** Trades above this share of ADV are flagged as illiquid (a warning, not a block). */
        liquidity_flag_adv: z.number().positive().default(0.05),
      })
      .strict()
      .default({ min_notional: 100, liquidity_flag_adv: 0.05 }),
    safety: z
      .object({
        /** |Σ target weights − the champion's net exposure| must be within this. */
        weights_sum_tolerance: z.number().min(0).default(0.01),
        /** Per-position cap (default: the champion's constraints.max_weight, plus a 1e-6 slack). */
        max_position: z.number().positive().optional(),
        /** Per-sector cap (default: the champion's constraints.sector_cap, else none). */
        max_sector: z.number().positive().optional(),
        /** Strategy cap: total gross exposure. */
        max_gross: z
          .number()
          .positive()
          .default(1.0 + 1e-6),
        /** Turnover Σ|Δw| of one day's trades. */
        max_turnover: z
          .number()
          .positive()
          .default(2.0 + 1e-6),
        /** No single trade above this share of equity. */
        max_trade: z.number().positive().default(0.1),
        /** What a trade above max_trade does: "clip" it to the cap (rest cancelled) or "block" the day. */
        on_large_trade: z.enum(["clip", "block"]).default("clip"),
        /** Total estimated cost (commission + slippage) of one day's trades, share of equity. */
        max_cost: z.number().positive().default(0.005),
      })
      .strict()
      .default({
        weights_sum_tolerance: 0.01,
        max_gross: 1.0 + 1e-6,
        max_turnover: 2.0 + 1e-6,
        max_trade: 0.1,
        on_large_trade: "clip",
        max_cost: 0.005,
      }),
    kill_switch: z
      .object({
        enabled: z.boolean().default(true),
        /** Halt when one day's return is below −max_daily_loss. */
        max_daily_loss: z.number().positive().default(0.03),
        /**
         * Halt when the annualized Sharpe ratio of the last `sharpe_window` daily returns is below this (null: off).
         */
        min_sharpe: z.number().nullable().default(-3),
        /** Six weeks of trading days. */
        sharpe_window: z.number().int().min(5).default(30),
      })
      .strict()
      .default({ enabled: true, max_daily_loss: 0.03, min_sharpe: -3, sharpe_window: 30 }),
    /**
     * Scores: "model" applies the champion's model.json to the features of the decision date
     * (live use); "predictions" reads the champion's out-of-sample train predictions (the
     * scores its backtest traded: reconciliation against the backtest).
     */
    scores: z.enum(["model", "predictions"]).default("model"),
    /**
     * The exchange calendar deciding trading days and "the previous close": "nyse" (weekdays
     * without NYSE holidays), "weekdays", or "auto" — the calendar the price data itself follows:
     * "weekdays" when it has bars on NYSE holidays (the synthetic market), else "nyse".
     */
    calendar: z.enum(["auto", "nyse", "weekdays"]).default("auto"),
    /**
     * A held symbol with no price at the decision close for this many of the market's trading
     * days is taken as delisted (simulated broker): its position is closed at its last close —
     * the backtest's "exit at the last traded close" — and the day goes on. Before that the day
     * stops with a critical alert, as for any bad price of a held name (a data gap). null: never.
     */
    delisted_after: z.number().int().min(1).nullable().default(5),
    /**
     * Run every registry alias other than `champion` that points at another model in its own
     * shadow ledger, on the same days (simulated broker, same capital and checks; src/paper/shadow.ts).
     */
    shadow: z.boolean().default(true),
    /**
     * When a challenger in shadow is proposed (or, `auto`, promoted to champion in the registry):
     * after `min_days` days both books recorded, when the paired stationary-bootstrap test gives
     * at least `confidence` that its mean daily active return is positive, and its drawdown over
     * those days stays above `max_drawdown` (a negative decimal).
     */
    promotion: z
      .object({
        min_days: z.number().int().min(10).default(40),
        confidence: z.number().gt(0.5).lt(1).default(0.95),
        max_drawdown: z.number().gt(-1).max(0).default(-0.2),
        resamples: z.number().int().min(100).default(2000),
        auto: z.boolean().default(false),
      })
      .strict()
      .default({ min_days: 40, confidence: 0.95, max_drawdown: -0.2, resamples: 2000, auto: false }),
    /**
     * How a new champion takes the book (src/paper/rollout.ts): `steps` of the book, each held
     * `days_per_step` trading days, the rest staying with the previous champion; rolled back when
     * the new model's drawdown since the rollout began falls below `max_drawdown`, or when the
     * live book's annualized tracking error against the blend of the two models' shadows exceeds
     * `max_tracking` (judged after `min_days` days). `steps: [1]` switches at once.
     */
    rollout: z
      .object({
        steps: z
          .array(z.number())
          .default([0.25, 0.5, 1])
          .superRefine((steps, ctx) => {
            const problem = checkRolloutSteps(steps);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
          }),
        days_per_step: z.number().int().min(1).default(5),
        max_drawdown: z.number().gt(-1).lt(0).default(-0.1),
        max_tracking: z.number().positive().default(0.05),
        min_days: z.number().int().min(2).default(5),
        auto_rollback: z.boolean().default(true),
      })
      .strict()
      .default({
        steps: [0.25, 0.5, 1],
        days_per_step: 5,
        max_drawdown: -0.1,
        max_tracking: 0.05,
        min_days: 5,
        auto_rollback: true,
      }),
    /**
     * When paper trading retrains the study (src/paper/retrain.ts): after a day's close, every
     * `every_days` trading days since the last retrain, and (`on_drift`) when the day's monitoring
     * raises model or performance drift — at most once per `min_gap_days`. A retrain runs the
     * study as an experiment with its data cut at that day (point in time) and registers the
     * champion it selects as `challenger`. Off by default.
     */
    retrain: z
      .object({
        every_days: z.number().int().min(5).nullable().default(null),
        on_drift: z.boolean().default(false),
        min_gap_days: z.number().int().min(1).default(21),
        /** Stages to run (default: every stage of the study). */
        targets: z.array(z.string()).default([]),
      })
      .strict()
      .default({ every_days: null, on_drift: false, min_gap_days: 21, targets: [] }),
  })
  .strict();

export type PaperConfigInput = z.input<typeof paperConfigSchema>;
export type PaperConfig = z.output<typeof paperConfigSchema>;

/** Validated settings with defaults applied. */
export function paperConfig(input: PaperConfigInput = {}): PaperConfig {
  return paperConfigSchema.parse(input);
}
