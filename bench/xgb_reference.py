#!/usr/bin/env python3
"""XGBoost `hist` reference for bench/gbdt.bench.ts.

Usage: xgb_reference.py DATA N_ROWS N_FEATURES N_TRAIN ROUNDS NTHREAD

DATA holds N_FEATURES float32 columns of N_ROWS values each (column-major, little endian),
then N_ROWS float64 labels. Trains on the first N_TRAIN rows with the benchmark's
hyper-parameters (max_depth 6, eta 0.1, lambda 1, max_bin 256, min_child_weight 1,
base_score = mean of the training labels) and prints one JSON line with the training seconds
(xgb.train only; the quantile sketch happens inside it) and the MSE on the remaining rows.
"""
import json
import sys
import time

import numpy as np
import xgboost as xgb


def main() -> None:
    path, n, f, n_train, rounds, nthread = sys.argv[1], *map(int, sys.argv[2:7])
    raw = open(path, "rb").read()
    X = np.frombuffer(raw, dtype="<f4", count=n * f).reshape(f, n).T
    y = np.frombuffer(raw, dtype="<f8", count=n, offset=4 * n * f)
    t0 = time.perf_counter()
    dtrain = xgb.DMatrix(X[:n_train], label=y[:n_train], nthread=nthread)
    dvalid = xgb.DMatrix(X[n_train:], nthread=nthread)
    dmatrix_s = time.perf_counter() - t0
    params = {
        "objective": "reg:squarederror",
        "tree_method": "hist",
        "grow_policy": "depthwise",
        "max_depth": 6,
        "eta": 0.1,
        "lambda": 1.0,
        "alpha": 0.0,
        "gamma": 0.0,
        "min_child_weight": 1.0,
        "max_bin": 256,
        "subsample": 1.0,
        "colsample_bytree": 1.0,
        "base_score": float(np.mean(y[:n_train])),
        "nthread": nthread,
        "seed": 0,
    }
    t0 = time.perf_counter()
    booster = xgb.train(params, dtrain, num_boost_round=rounds)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = booster.predict(dvalid)
    predict_s = time.perf_counter() - t0
    mse = float(np.mean((pred.astype(np.float64) - y[n_train:]) ** 2))
    print(json.dumps({
        "xgboost_version": xgb.__version__,
        "train_s": train_s,
        "dmatrix_s": dmatrix_s,
        "predict_s": predict_s,
        "valid_mse": mse,
    }))


if __name__ == "__main__":
    main()
