#!/usr/bin/env python3
"""NumPy reference for bench/backtest.bench.ts: the same backtest, vectorized over assets
inside a Python loop over days (the usual way such engines are written with NumPy).

Usage: backtest_numpy.py DIR T N K KAPPA IMPACT_K EXPONENT CAPITAL RUNS [MATRICES [REUSE]]

DIR holds little-endian raw files: returns.f64 (T x N, NaN = not trading), targets.f64
(K x N target weights, NaN = no trade in that asset), trade_rows.i32 (K rows at whose close
each target trades, lag already applied), sigma.f64 and adv.f64 (N each). Mechanics as the
TypeScript engine: gross = w.r + cash*0, drift w(1+r)/(1+g), trades = target - drifted,
cost = KAPPA*|dw| + |dw|*k*sigma*(|dw|*E*(1+g)*capital/adv)^exponent, net = gross - cost.
Outputs, as the TypeScript engine's: per-row gross, net, equity, turnover, costs, exposures,
cash, names held; per-asset contribution and cost totals; with MATRICES = 1 (default) also the
T x N holdings H and contributions C, with MATRICES = 0 not (as `matrices: false`). With
REUSE = 1 (as the engine's `reuse` option) H and C are allocated and written once before the
timed runs, and every run overwrites them: each run writes into memory already touched.
With REUSE = 0 (default) each run allocates them with np.empty (glibc's malloc hands the block
freed by the previous run back, so this too mostly writes into resident memory).
Prints one JSON line: the median of RUNS seconds and checksums (final equity, sum of turnover,
sum of costs, sum of holdings: H.sum() with matrices, else the sum of the per-row net
exposures) to confirm both sides did the same work.
"""
import json
import sys
import time

import numpy as np


def run(R, trade_rows, targets, sigma, adv, kappa, k, expo, cap, matrices=True, rf=0.0, H=None, C=None):
    T, N = R.shape
    gross = np.zeros(T); net = np.zeros(T); equity = np.zeros(T)
    turnover = np.zeros(T); costs = np.zeros(T)
    gexp = np.zeros(T); nexp = np.zeros(T); cash = np.zeros(T); nnames = np.zeros(T, dtype=np.int32)
    if matrices and H is None:
        H = np.empty((T, N)); C = np.empty((T, N))
    contrib_total = np.zeros(N); cost_total = np.zeros(N)
    trade_at = np.full(T, -1, dtype=np.int64)
    trade_at[trade_rows] = np.arange(len(trade_rows))
    w = np.zeros(N); E = 1.0; sumw = 0.0
    for t in range(T):
        r = R[t]
        nan = np.isnan(r)
        r0 = np.where(nan, 0.0, r)
        c = w * r0
        if matrices:
            C[t] = c
        contrib_total += c
        g = (1.0 - sumw) * rf + c.sum()
        gross[t] = g
        w = w * (1.0 + r0) / (1.0 + g)
        n = g
        j = trade_at[t]
        if j >= 0:
            tgt = targets[j]
            can = ~nan & ~np.isnan(tgt)
            a = np.abs(np.where(can, tgt - w, 0.0))
            ci = kappa * a + a * k * sigma * (a * (E * (1.0 + g) * cap) / adv) ** expo
            cost = ci.sum()
            cost_total += ci
            n = g - cost
            turnover[t] = a.sum(); costs[t] = cost
            w = np.where(can, tgt, w * ((1.0 + g) / (1.0 + n)))
        net[t] = n
        E *= 1.0 + n
        equity[t] = E
        if matrices:
            H[t] = w
        sumw = w.sum()
        nexp[t] = sumw; gexp[t] = np.abs(w).sum(); cash[t] = 1.0 - sumw; nnames[t] = np.count_nonzero(w)
    return equity, turnover, costs, H, nexp


def main() -> None:
    d = sys.argv[1]
    T, N, K = map(int, sys.argv[2:5])
    kappa, k, expo, cap = map(float, sys.argv[5:9])
    runs = int(sys.argv[9])
    matrices = len(sys.argv) <= 10 or sys.argv[10] != "0"
    reuse = matrices and len(sys.argv) > 11 and sys.argv[11] == "1"
    R = np.fromfile(f"{d}/returns.f64", dtype="<f8").reshape(T, N)
    targets = np.fromfile(f"{d}/targets.f64", dtype="<f8").reshape(K, N)
    rows = np.fromfile(f"{d}/trade_rows.i32", dtype="<i4")
    sigma = np.fromfile(f"{d}/sigma.f64", dtype="<f8")
    adv = np.fromfile(f"{d}/adv.f64", dtype="<f8")
    # Allocated and touched before the timed runs, as the engine's buffers are by its warm-up call.
    out = (np.full((T, N), 0.0), np.full((T, N), 0.0)) if reuse else (None, None)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        equity, turnover, costs, H, nexp = run(R, rows, targets, sigma, adv, kappa, k, expo, cap, matrices, 0.0, *out)
        times.append(time.perf_counter() - t0)
    print(json.dumps({
        "numpy_version": np.__version__,
        "seconds": sorted(times)[len(times) // 2],
        "final_equity": float(equity[-1]),
        "sum_turnover": float(turnover.sum()),
        "sum_costs": float(costs.sum()),
        "sum_holdings": float(H.sum() if matrices else nexp.sum()),
    }))


if __name__ == "__main__":
    main()
