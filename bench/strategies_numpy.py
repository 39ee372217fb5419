#!/usr/bin/env python3
"""NumPy reference for bench/strategies.bench.ts: moving-average crossovers for many (fast, slow)
pairs, vectorized per parameter set over the T x N arrays (the usual way with NumPy/vectorbt).

Usage: strategies_numpy.py DIR T N K KAPPA LAG LONG_ONLY

DIR holds little-endian raw files: close.f64 (T x N closes, row-major, NaN = no bar) and
pairs.i32 (K x 2: fast, slow). Same rules and book as src/quant/strategies:
  SMA(w)[t]  mean of the closes t-w+1..t, NaN unless all w exist (here by cumulative sums)
  d[t]       +1 if SMA(fast) > SMA(slow), -1 (0 if LONG_ONLY) if <=, 0 if either is NaN
  pos[t]     d[t-LAG] (0 for t < LAG), 0 where close[t] is NaN
  r[t]       close[t]/close[t-1] - 1, no P&L where NaN
  R[t]       (1/N) sum_i (pos[t-1,i] r[t,i] - KAPPA |pos[t,i] - pos[t-1,i]|)
and per set the same metrics: total return, Sharpe (ddof 1, x sqrt 252), max drawdown, trades
(position changes), mean turnover, win rate of held symbol-bars, mean exposure. Each distinct
SMA is computed once (the slow ones cached, each fast one once in the outer loop), inside the
timed region. Prints one JSON line: the seconds of one run, every set's total return and trade
count.
"""
import json
import sys
import time

import numpy as np


def sma(cs, cn, w, T, N):
    """SMA over w rows from the cumulative sums of the closes (NaN as 0) and of the NaN flags."""
    out = np.full((T, N), np.nan)
    s = cs[w:] - cs[:-w]
    ok = (cn[w:] - cn[:-w]) == 0
    out[w - 1:] = np.where(ok, s / w, np.nan)
    return out


def evaluate(close, pairs, kappa, lag, long_only):
    T, N = close.shape
    valid = ~np.isnan(close)
    x0 = np.where(valid, close, 0.0)
    cs = np.vstack([np.zeros((1, N)), np.cumsum(x0, axis=0)])
    cn = np.vstack([np.zeros((1, N), dtype=np.int64), np.cumsum(~valid, axis=0)])
    r = np.full((T, N), np.nan)
    r[1:] = close[1:] / close[:-1] - 1.0
    r_ok = ~np.isnan(r)
    r0 = np.where(r_ok, r, 0.0)
    keep = valid.view(np.int8)
    slow_cache = {}
    results = {}
    pos = np.zeros((T, N), dtype=np.int8)
    prev = np.zeros((T, N), dtype=np.int8)
    for fast in sorted({int(f) for f, _ in pairs}):
        F = sma(cs, cn, fast, T, N)
        for slow in sorted({int(s) for f, s in pairs if f == fast}):
            if slow not in slow_cache:
                slow_cache[slow] = sma(cs, cn, slow, T, N)
            S = slow_cache[slow]
            up = (F > S).view(np.int8)
            sig = up if long_only else up - (F <= S).view(np.int8)
            pos[lag:] = sig[:-lag] * keep[lag:]
            prev[1:] = pos[:-1]
            pnl = prev * r0
            d = np.abs(pos - prev)
            R = (pnl.sum(axis=1) - kappa * d.sum(axis=1)) / N
            held = (prev != 0) & r_ok
            nheld = np.count_nonzero(held)
            sd = R.std(ddof=1)
            wealth = np.cumprod(1.0 + R)
            peak = np.maximum.accumulate(np.maximum(wealth, 1.0))
            results[(fast, slow)] = {
                "total_return": float(wealth[-1] - 1.0),
                "sharpe": float(R.mean() / sd * np.sqrt(252)) if sd > 0 else float("nan"),
                "max_drawdown": float((wealth / peak - 1.0).min()),
                "trades": int(np.count_nonzero(d)),
                "mean_turnover": float(d.sum(dtype=np.int64) / (N * T)),
                "win_rate": float(np.count_nonzero(pnl > 0) / nheld) if nheld else float("nan"),
                "mean_exposure": float(np.count_nonzero(prev) / (N * T)),
            }
    return [results[(int(f), int(s))] for f, s in pairs]


def main() -> None:
    d = sys.argv[1]
    T, N, K = map(int, sys.argv[2:5])
    kappa = float(sys.argv[5])
    lag = int(sys.argv[6])
    long_only = sys.argv[7] == "1"
    close = np.fromfile(f"{d}/close.f64", dtype="<f8").reshape(T, N)
    pairs = np.fromfile(f"{d}/pairs.i32", dtype="<i4").reshape(K, 2)
    t0 = time.perf_counter()
    res = evaluate(close, pairs, kappa, lag, long_only)
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "numpy_version": np.__version__,
        "seconds": seconds,
        "total_return": [x["total_return"] for x in res],
        "trades": [x["trades"] for x in res],
    }))


if __name__ == "__main__":
    main()
