/**
 * The hot loops of tree growth: histogram building, histogram subtraction, split finding and
 * row partitioning. They run on the main thread and, unchanged, inside worker threads.
 *
 * `gbdtKernels` must stay SELF-CONTAINED: the worker pool ships it as source text
 * (`gbdtKernels.toString()`), so its body may reference nothing outside itself (no imports,
 * no module-level constants, no classes). Type annotations are fine: every loader (vitest,
 * tsx, esbuild bundles) strips them, and the pool defines the `__name` helper that esbuild's
 * keep-names mode inserts.
 *
 * Exactness: gradients and hessians are fixed-point integers held in doubles (see
 * quantize.ts), so every histogram sum is exact and independent of the order in which rows or
 * threads add their terms. That is what makes a model independent of the thread count and of
 * the row order (docs/gbdt.md, "Determinism").
 */

/** Shared buffers of one fit, as sent to workers (SharedArrayBuffers and small copies). */
export interface KernelStateInit {
  nRows: number;
  nFeatures: number;
  nSlots: number;
  codes: Uint8Array;
  /**
   * The same codes row-major, 4 per 32-bit word (little endian: feature 4j in the low byte of
   * word j), `rowWords` words per row; rows padded to a whole number of words.
   */
  rowCodes: Uint32Array;
  rowWords: number;
  nBins: Int32Array;
  hasMissing: Uint8Array;
  grad: Float64Array;
  hess: Float64Array;
  rows: Int32Array;
  hist: Float64Array;
  task: Int32Array;
  result: Float64Array;
  /**
   * Boosting state (squared error), length nRows, or empty for forests: labels, weights
   * (empty = unit weights), current predictions, unquantized gradients.
   */
  y: Float64Array;
  weights: Float64Array;
  pred: Float64Array;
  gradF: Float64Array;
  /** Partition scratch: left rows by piece (nRows), left count per (record, thread) (nSlots·threads). */
  rowsTmp: Int32Array;
  pieceLeft: Int32Array;
  /**
   * Binning input/output for OP_BIN: the float32 columns (n × F, column-major), cuts (256 per feature) and their
   * counts.
   */
  cols: Float32Array;
  cutsOut: Float64Array;
  nCuts: Int32Array;
  /** Per-worker histograms of row-split builds ((threads − 1) · 4 slots), or empty (disabled). */
  scratch: Float64Array;
  /** Record index × 2 + side of each row's leaf (OP_LEAFOF), length nRows for boosting. */
  leafOf: Int32Array;
  /** Leaf records for OP_PRED, 8 doubles each (2·nSlots + 2 records; see predShare). */
  leaf: Float64Array;
  /**
   * [λ, minChildWeight, gradient scale, hessian scale, constant hessian (0/1), its quantized
   * value]. With a constant hessian, the hessian scale is 1 and its value 1: H = row count.
   */
  param: Float64Array;
}

/** Per-thread state: the shared views plus private scratch. */
export interface KernelState extends KernelStateInit {
  lg: Float64Array;
  lh: Float64Array;
  idx: Int32Array;
  tmpRows: Int32Array;
  /** binningKernels() (binning.ts), set by the executor: binning runs as OP_BIN on every thread. */
  binning?: {
    binFeature: (
      col: Float32Array,
      maxBins: number,
      out: Uint8Array,
      scratch: any,
    ) => { cuts: Float64Array; nBins: number; hasMissing: number };
    radixScratch: (n: number) => any;
  };
  /** Generated row kernels by feature range (see buildHistRows). */
  rowKernels: Map<number, RowKernel>;
}

/** (slot offset in hist, start, end, identity 0/1, constant hessian 0/1). */
export type RowKernel = (
  slotBase: number,
  start: number,
  end: number,
  identity: number,
  constHess: number,
  gather: number,
  quant: number,
) => void;

/** Histogram layout: per slot, per feature, 256 bins × (gradient, hessian). */
export const HIST_FEATURE_STRIDE = 512;
/** Fields of one (split task, feature) result. */
export const RESULT_STRIDE = 8;
/** Task buffer layout (Int32): header, active features, then task records. */
export const TASK_HEADER = 8;

/**
 * Long on purpose: one self-contained closure, because the worker pool ships it as source text
 * (see the file comment); every kernel it calls must be inside it.
 */
export function gbdtKernels() {
  const FS = 512; // HIST_FEATURE_STRIDE
  const RS = 8; // RESULT_STRIDE
  const TH = 8; // TASK_HEADER
  const CHUNK = 1024;
  const ROWSPLIT_MAX = 4; // row-split builds per job (scratch histograms per worker)
  // task header fields
  const T_OP = 0,
    T_NACTIVE = 1,
    T_NBUILD = 2,
    T_NSUB = 3,
    T_NSPLIT = 4,
    T_NPART = 5,
    T_NLEAF = 6,
    T_IDENT = 7;
  const OP_HIST = 1,
    OP_PARTITION = 2,
    OP_PRED = 3,
    OP_GRAD = 4,
    OP_QUANT = 5,
    OP_PLACE = 6,
    OP_BIN = 7,
    OP_ROWMAJOR = 8,
    OP_LEAFOF = 9,
    OP_PREDGRAD = 10,
    OP_HISTROWS = 11;

  function attach(init: KernelStateInit): KernelState {
    return {
      ...init,
      rowKernels: new Map(),
      lg: new Float64Array(CHUNK),
      lh: new Float64Array(CHUNK),
      idx: new Int32Array(CHUNK),
      tmpRows: new Int32Array(0),
    };
  }

  /** Offsets of the task records inside `task` (Int32). */
  function layout(nFeatures: number, nSlots: number) {
    const active = TH;
    const build = active + nFeatures;
    const sub = build + 4 * nSlots;
    const split = sub + 2 * nSlots;
    const part = split + 2 * 2 * nSlots;
    const end = part + 6 * nSlots;
    return { active, build, sub, split, part, end };
  }

  /**
   * Zero then fill the histograms of features active[fa..fb) of `slot` from rows[start..end)
   * (`identity`: the rows are start..end−1 themselves). Rows go in chunks whose gradients are
   * gathered once; each pass over a chunk feeds four features, so a row index and its
   * gradient pair are loaded once per four histogram updates (measured ~2× faster than one
   * feature per pass in V8).
   *
   * Long on purpose (~120 lines): the choice of strategy (row-wise build for dense nodes,
   * per-row build for sparse ones) and then the chunked pass unrolled by four features, with
   * its two- and one-feature tails, written out; a call per chunk and feature group in the
   * innermost loop would give back what the unrolling gains.
   */
  function buildHist(
    S: KernelState,
    slot: number,
    start: number,
    end: number,
    identity: number,
    fa: number,
    fb: number,
    activeOff: number,
    allActive: boolean,
  ): void {
    if (allActive && end > start) {
      // Row density of the node in its span of row ids (rows are ascending within a node).
      const span = identity ? end - start : S.rows[end - 1] - S.rows[start] + 1;
      const m = end - start;
      // Measured per update (800k rows, 1 thread): dense nodes (≥ 20% of their span) 0.8–1.7 ns
      // row-wise vs 1.7–1.9 column-wise; 2.5–20%: column-wise 2–3 ns (chunks of independent
      // loads) vs row-wise 3.6–6 (one dependent cache miss per row); below 2.5%: row-wise with
      // the chunk's row words gathered first 3.4 ns vs column-wise 8.
      if (m >= 0.2 * span) {
        buildHistRowsInto(
          S,
          0,
          slot * S.nFeatures * FS,
          start,
          end,
          identity,
          fa,
          fb,
          0,
          quantRoot(S, start, end, identity),
        );
        return;
      }
      if (m < 0.025 * span) {
        buildHistRows(S, slot, start, end, identity, fa, fb, 1);
        return;
      }
    }
    const { codes, grad, hess, rows, hist, task, lg, lh, nRows: n, nFeatures, nBins, hasMissing } = S;
    const constHess = S.param[4] !== 0;
    const hc = S.param[5];
    const slotBase = slot * nFeatures * FS;
    for (let a = fa; a < fb; a++) {
      const f = task[activeOff + a];
      const ho = slotBase + f * FS;
      hist.fill(0, ho, ho + 2 * (nBins[f] + hasMissing[f]));
    }
    const idx = S.idx;
    for (let c = start; c < end; c += CHUNK) {
      const len = Math.min(CHUNK, end - c);
      if (identity) for (let k = 0; k < len; k++) idx[k] = c + k;
      else for (let k = 0; k < len; k++) idx[k] = rows[c + k];
      for (let k = 0; k < len; k++) lg[k] = grad[idx[k]];
      if (constHess) lh.fill(hc, 0, len);
      else for (let k = 0; k < len; k++) lh[k] = hess[idx[k]];
      let a = fa;
      for (; a + 3 < fb; a += 4) {
        const f0 = task[activeOff + a],
          f1 = task[activeOff + a + 1],
          f2 = task[activeOff + a + 2],
          f3 = task[activeOff + a + 3];
        const h0 = slotBase + f0 * FS,
          h1 = slotBase + f1 * FS,
          h2 = slotBase + f2 * FS,
          h3 = slotBase + f3 * FS;
        const b0 = f0 * n,
          b1 = f1 * n,
          b2 = f2 * n,
          b3 = f3 * n;
        for (let k = 0; k < len; k++) {
          const r = idx[k],
            g = lg[k],
            h = lh[k];
          const o0 = h0 + 2 * codes[b0 + r],
            o1 = h1 + 2 * codes[b1 + r],
            o2 = h2 + 2 * codes[b2 + r],
            o3 = h3 + 2 * codes[b3 + r];
          hist[o0] += g;
          hist[o0 + 1] += h;
          hist[o1] += g;
          hist[o1 + 1] += h;
          hist[o2] += g;
          hist[o2 + 1] += h;
          hist[o3] += g;
          hist[o3 + 1] += h;
        }
      }
      for (; a + 1 < fb; a += 2) {
        const f0 = task[activeOff + a],
          f1 = task[activeOff + a + 1];
        const h0 = slotBase + f0 * FS,
          h1 = slotBase + f1 * FS;
        const b0 = f0 * n,
          b1 = f1 * n;
        for (let k = 0; k < len; k++) {
          const r = idx[k],
            g = lg[k],
            h = lh[k];
          const o0 = h0 + 2 * codes[b0 + r],
            o1 = h1 + 2 * codes[b1 + r];
          hist[o0] += g;
          hist[o0 + 1] += h;
          hist[o1] += g;
          hist[o1 + 1] += h;
        }
      }
      for (; a < fb; a++) {
        const f0 = task[activeOff + a];
        const h0 = slotBase + f0 * FS,
          b0 = f0 * n;
        for (let k = 0; k < len; k++) {
          const o0 = h0 + 2 * codes[b0 + idx[k]];
          hist[o0] += lg[k];
          hist[o0 + 1] += lh[k];
        }
      }
    }
  }

  /**
   * Row-wise kernel over features fa..fb (all features active, fa a multiple of 4): for each
   * row, its gradient is loaded once and its codes come 4 at a time from one 32-bit word of
   * the row-major copy, so a row costs one or two cache lines instead of one per feature.
   * The loop over the row's words is generated per (fit, thread, feature range) with `new
   * Function`: fully unrolled with literal histogram offsets, and with the shared arrays held
   * in the generated closure, which V8 then treats as constants (measured 1.25 → 0.8 ns per
   * update against a loop over words reading the arrays from the state object). Same sums,
   * same order per bin as any other kernel: the result is exact either way.
   */
  function buildHistRows(
    S: KernelState,
    slot: number,
    start: number,
    end: number,
    identity: number,
    fa: number,
    fb: number,
    gather: number,
  ): void {
    buildHistRowsInto(S, 0, slot * S.nFeatures * FS, start, end, identity, fa, fb, gather, 0);
  }

  /**
   * param[7] = 1: the root build (identity rows 0…n−1, all features, by rows) also does
   * OP_QUANT's work for its rows — grad[i] = round(gradF[i]·scale), rows[i] = i — as it reads
   * every row anyway (fitGbdt sets it only when the root is built that way, and skips OP_QUANT).
   */
  function quantRoot(S: KernelState, start: number, end: number, identity: number): number {
    return S.param[7] !== 0 && identity && start === 0 && end === S.nRows ? 1 : 0;
  }

  /** buildHistRows into hist (target 0) or the scratch histograms (target 1) at offset `base`. */
  function buildHistRowsInto(
    S: KernelState,
    target: number,
    base: number,
    start: number,
    end: number,
    identity: number,
    fa: number,
    fb: number,
    gather: number,
    quant: number,
  ): void {
    const { nBins, hasMissing } = S;
    const arr = target ? S.scratch : S.hist;
    for (let f = fa; f < fb; f++) {
      const ho = base + f * FS;
      arr.fill(0, ho, ho + 2 * (nBins[f] + hasMissing[f]));
    }
    const key = (fa * 65536 + fb) * 2 + target;
    let kern = S.rowKernels.get(key);
    if (!kern) {
      kern = makeRowKernel(S, fa, fb, target);
      S.rowKernels.set(key, kern);
    }
    kern(base, start, end, identity, S.param[4] !== 0 ? 1 : 0, gather, quant);
  }

  /**
   * Builds split by rows instead of features (OP_HISTROWS): the first ROWSPLIT_MAX dense
   * builds (≥ 20% of their span) of a job, when every feature is active and there is scratch.
   * Returns, for build k, its index among them, or −1. A pure function of the task and rows,
   * so both phases agree.
   */
  function rowSplitIndex(S: KernelState, k: number, buildOff: number): number {
    if (S.scratch.length === 0 || S.task[T_NACTIVE] !== S.nFeatures) return -1;
    let j = 0;
    for (let q = 0; q <= k; q++) {
      const o = buildOff + 4 * q;
      const start = S.task[o + 1],
        end = S.task[o + 2],
        ident = S.task[o + 3];
      if (end - start < 4096) continue;
      const span = ident ? end - start : S.rows[end - 1] - S.rows[start] + 1;
      if (end - start < 0.2 * span) continue;
      if (q === k) return j < ROWSPLIT_MAX ? j : -1;
      j++;
    }
    return -1;
  }

  /**
   * OP_HISTROWS: thread w builds its share of the rows of each row-split build over ALL
   * features (thread 0 into the slot itself, thread w ≥ 1 into its scratch histogram); OP_HIST
   * then adds the scratch histograms into the slot for its features (exact sums, so the result
   * equals a one-thread build). Balances dense builds (whole words split 16/14 for 30
   * features) and reads each row's codes on one thread only.
   */
  function histRowsShare(S: KernelState, w: number, T: number, buildOff: number): void {
    const nb = S.task[T_NBUILD];
    const F = S.nFeatures;
    for (let k = 0; k < nb; k++) {
      const j = rowSplitIndex(S, k, buildOff);
      if (j < 0) continue;
      const o = buildOff + 4 * k;
      const slot = S.task[o],
        start = S.task[o + 1],
        end = S.task[o + 2],
        ident = S.task[o + 3];
      const m = end - start;
      const s0 = start + Math.floor((w * m) / T),
        s1 = start + Math.floor(((w + 1) * m) / T);
      // The fused quantization covers exactly this thread's rows of the root.
      const q = quantRoot(S, start, end, ident);
      if (w === 0) buildHistRowsInto(S, 0, slot * F * FS, s0, s1, ident, 0, F, 0, q);
      else buildHistRowsInto(S, 1, ((w - 1) * ROWSPLIT_MAX + j) * F * FS, s0, s1, ident, 0, F, 0, q);
    }
  }

  /** Source and instance of the unrolled row kernel for features fa..fb (see buildHistRows). */
  function makeRowKernel(S: KernelState, fa: number, fb: number, target: number): RowKernel {
    const W = S.rowWords;
    const wa = fa >> 2,
      wFull = fb >> 2,
      tail = fb - 4 * wFull;
    let body = "";
    for (let j = wa; j < wFull; j++) {
      const o = 4 * j * FS;
      body +=
        `{ const w = rowCodes[rb + ${j}];
        const o0 = o + ${o} + ((w & 255) << 1), o1 = o + ${o + FS} + (((w >>> 8) & 255) << 1), o2 = o ` +
        `+ ${o + 2 * FS} + (((w >>> 16) & 255) << 1), o3 = o + ${o + 3 * FS} + ((w >>> 24) << 1);
        hist[o0] += g; hist[o0 + 1] += h; hist[o1] += g; hist[o1 + 1] += h; hist[o2] += g; hist[o2 + 1] += h; ` +
        `hist[o3] += g; hist[o3 + 1] += h; }\n`;
    }
    if (tail > 0) {
      body += `{ const w = rowCodes[rb + ${wFull}];\n`;
      for (let t = 0; t < tail; t++)
        body +=
          `  { const ot = o + ${(4 * wFull + t) * FS} + (((w >>> ${8 * t}) & 255) << 1); hist[ot] += g; ` +
          `hist[ot + 1] += h; }\n`;
      body += "}\n";
    }
    let copy = "";
    for (let j = wa; j < Math.min(W, wFull + (tail > 0 ? 1 : 0)); j++) copy += `buf[kb + ${j}] = rowCodes[rb + ${j}]; `;
    const src =
      `"use strict";
const grad = S.grad, hess = S.hess, rows = S.rows, hist = ${target ? "S.scratch" : "S.hist"}, buf = new ` +
      `Uint32Array(${CHUNK * W}), lg = S.lg, lh = S.lh;
const rowCodes = S.rowCodes, gradF = S.gradF;
function direct(o, start, end, identity, constHess) {
  for (let i = start; i < end; i++) {
    const r = identity ? i : rows[i];
    const g = grad[r];
    const h = constHess ? 1 : hess[r];
    const rb = r * ${W};
${body}  }
}
function directQuant(o, start, end, constHess) {
  const sg = S.param[2], M = 6755399441055744;
  for (let r = start; r < end; r++) {
    const x = gradF[r] * sg, q = x + M - M;
    const g = x - q === 0.5 ? q + 1 : q;
    grad[r] = g;
    rows[r] = r;
    const h = constHess ? 1 : hess[r];
    const rb = r * ${W};
${body}  }
}
function gathered(o, start, end, constHess) {
  for (let c = start; c < end; c += ${CHUNK}) {
    const len = Math.min(${CHUNK}, end - c);
    for (let k = 0; k < len; k++) {
      const r = rows[c + k];
      lg[k] = grad[r];
      lh[k] = constHess ? 1 : hess[r];
      const rb = r * ${W}, kb = k * ${W};
      ${copy}
    }
    for (let k = 0; k < len; k++) {
      const g = lg[k], h = lh[k], rb = k * ${W};
${body.replace(/rowCodes\[/g, "buf[")}    }
  }
}
return function rowKernel(o, start, end, identity, constHess, gather, quant) {
  if (quant) directQuant(o, start, end, constHess);
  else if (gather && !identity) gathered(o, start, end, constHess); else direct(o, start, end, identity, constHess);
};`;
    return new Function("S", src)(S) as RowKernel;
  }

  /** hist[dst] −= hist[src] for features active[fa..fb). */
  function subtractHist(S: KernelState, dst: number, src: number, fa: number, fb: number, activeOff: number): void {
    const { hist, task, nFeatures, nBins, hasMissing } = S;
    for (let a = fa; a < fb; a++) {
      const f = task[activeOff + a];
      const d = dst * nFeatures * FS + f * FS;
      const s = src * nFeatures * FS + f * FS;
      const nCodes = 2 * (nBins[f] + hasMissing[f]);
      for (let k = 0; k < nCodes; k++) hist[d + k] -= hist[s + k];
    }
  }

  /**
   * Best split of feature f in `slot` (Chen & Guestrin 2016, Alg. 1 over histogram bins, with
   * Alg. 3's learned default direction for missing values). Writes
   * [score, bin, defaultLeft, GL, HL, G, H, valid] (G, H quantized) to result[r..r+8); score =
   * GL²/(HL+λ) + GR²/(HR+λ). Ties keep the lowest bin, then missing-right.
   *
   * Long on purpose (~80 lines): one scan of the bins per direction of the missing values,
   * sharing the running sums, the best candidate and the tie rule; the result is packed here.
   */
  function findSplit(S: KernelState, slot: number, f: number, r: number): void {
    const { hist, result, nFeatures, nBins, hasMissing, param } = S;
    // The scales are powers of two, so multiplying by their inverses is exact (= dividing).
    const lambda = param[0],
      mcw = param[1],
      isg = 1 / param[2],
      ish = 1 / param[3];
    const ho = slot * nFeatures * FS + f * FS;
    const nb = nBins[f];
    const miss = hasMissing[f];
    let Gq = 0,
      Hq = 0;
    const nCodes = nb + miss;
    for (let b = 0; b < nCodes; b++) {
      Gq += hist[ho + 2 * b];
      Hq += hist[ho + 2 * b + 1];
    }
    const Gm = miss ? hist[ho + 2 * nb] : 0;
    const Hm = miss ? hist[ho + 2 * nb + 1] : 0;
    let best = -Infinity,
      bestBin = -1,
      bestDl = 0,
      bestGl = 0,
      bestHl = 0;
    let gl = 0,
      hl = 0;
    for (let b = 0; b < nb - 1; b++) {
      gl += hist[ho + 2 * b];
      hl += hist[ho + 2 * b + 1];
      // Missing values (if any) to the right.
      let hr = Hq - hl;
      if (hl > 0 && hr > 0) {
        const HL = hl * ish,
          HR = hr * ish;
        if (HL >= mcw && HR >= mcw) {
          const GL = gl * isg,
            GR = (Gq - gl) * isg;
          const s = (GL * GL) / (HL + lambda) + (GR * GR) / (HR + lambda);
          if (s > best) {
            best = s;
            bestBin = b;
            bestDl = 0;
            bestGl = gl;
            bestHl = hl;
          }
        }
      }
      if (Hm > 0) {
        // Missing values to the left.
        const gl2 = gl + Gm,
          hl2 = hl + Hm;
        hr = Hq - hl2;
        if (hl2 > 0 && hr > 0) {
          const HL = hl2 * ish,
            HR = hr * ish;
          if (HL >= mcw && HR >= mcw) {
            const GL = gl2 * isg,
              GR = (Gq - gl2) * isg;
            const s = (GL * GL) / (HL + lambda) + (GR * GR) / (HR + lambda);
            if (s > best) {
              best = s;
              bestBin = b;
              bestDl = 1;
              bestGl = gl2;
              bestHl = hl2;
            }
          }
        }
      }
    }
    // No missing values in this node: unseen NaNs follow the heavier child.
    if (bestBin >= 0 && Hm === 0) bestDl = bestHl >= Hq - bestHl ? 1 : 0;
    result[r] = best;
    result[r + 1] = bestBin;
    result[r + 2] = bestDl;
    result[r + 3] = bestGl;
    result[r + 4] = bestHl;
    result[r + 5] = Gq;
    result[r + 6] = Hq;
    result[r + 7] = bestBin >= 0 ? 1 : 0;
  }

  /**
   * OP_PARTITION, phase 1 of the stable partition of each record's rows[start..end) by its
   * split (left iff code ≤ bin, or code is the missing code and the default direction is left).
   * Every node is cut into T equal pieces and thread w partitions piece w of every node: left
   * rows to rowsTmp at the piece's start, right rows to this thread's private buffer;
   * pieceLeft[p·T + w] = left count. Branch-free (the side of a row is data, not control flow:
   * with `if (code ≤ bin)` the root partition took 5.4 ms instead of 2.4 ms on the benchmark).
   */
  function partitionPieces(S: KernelState, w: number, T: number, partOff: number): void {
    const { task, codes, rows, rowsTmp, pieceLeft, nRows, nBins, hasMissing } = S;
    const np = task[T_NPART];
    let need = 0;
    for (let p = 0; p < np; p++) {
      const o = partOff + 6 * p,
        s = task[o],
        len = task[o + 1] - s;
      need += Math.floor(((w + 1) * len) / T) - Math.floor((w * len) / T);
    }
    if (S.tmpRows.length < need) S.tmpRows = new Int32Array(Math.max(need, 2 * S.tmpRows.length));
    const tmp = S.tmpRows;
    let acc = 0;
    for (let p = 0; p < np; p++) {
      const o = partOff + 6 * p;
      const s = task[o],
        len = task[o + 1] - s,
        f = task[o + 2],
        bin = task[o + 3],
        dl = task[o + 4] ? 1 : 0;
      const ps = s + Math.floor((w * len) / T),
        pe = s + Math.floor(((w + 1) * len) / T);
      const base = f * nRows;
      const missCode = hasMissing[f] ? nBins[f] : 256; // 256: no code matches
      let nl = 0,
        nr = 0;
      for (let i = ps; i < pe; i++) {
        const r = rows[i];
        const c = codes[base + r];
        // 1 iff c ≤ bin, or c is the missing code and dl = 1.
        const isLeft = (((bin - c) >>> 31) ^ 1) | (dl & (((c ^ missCode) - 1) >>> 31));
        rowsTmp[ps + nl] = r;
        tmp[acc + nr] = r;
        nl += isLeft;
        nr += isLeft ^ 1;
      }
      pieceLeft[p * T + w] = nl;
      acc += nr;
    }
  }

  /**
   * OP_PLACE, phase 2: thread w moves the left and right rows of its piece of every node to
   * their final places (left rows of pieces 0…T−1, then their right rows: the stable
   * partition). Thread 0 writes each node's left count to task[o + 5].
   */
  function placePieces(S: KernelState, w: number, T: number, partOff: number): void {
    const { task, rows, rowsTmp, pieceLeft } = S;
    const tmp = S.tmpRows;
    const np = task[T_NPART];
    let acc = 0;
    for (let p = 0; p < np; p++) {
      const o = partOff + 6 * p;
      const s = task[o],
        len = task[o + 1] - s;
      const ps = s + Math.floor((w * len) / T),
        pe = s + Math.floor(((w + 1) * len) / T);
      let NL = 0,
        before = 0;
      for (let k = 0; k < T; k++) {
        const c = pieceLeft[p * T + k];
        NL += c;
        if (k < w) before += c;
      }
      const nl = pieceLeft[p * T + w],
        nr = pe - ps - nl;
      const lo = s + before,
        ro = s + NL + (ps - s - before);
      for (let i = 0; i < nl; i++) rows[lo + i] = rowsTmp[ps + i];
      for (let i = 0; i < nr; i++) rows[ro + i] = tmp[acc + i];
      acc += nr;
      if (w === 0) task[o + 5] = NL;
    }
  }

  /**
   * OP_PRED: add each row's leaf value to pred. Records of 8 doubles in `leaf`:
   * [0, start, end, value] — every row at positions start..end−1 gets value; or
   * [1, start, end, f, bin, defaultLeft, left value, right value] — rows of an unpartitioned
   * node whose children are leaves, routed by code as in the partition. Threads take contiguous
   * ranges of positions (every row is in one record, so writes never collide).
   */
  function predShare(S: KernelState, w: number, T: number): void {
    const { task, leaf, rows, pred, codes, nRows, nBins, hasMissing } = S;
    const nl = task[T_NLEAF];
    let m = 0;
    for (let k = 0; k < nl; k++) m = Math.max(m, leaf[8 * k + 2]);
    const p0 = Math.floor((w * m) / T),
      p1 = Math.floor(((w + 1) * m) / T);
    for (let k = 0; k < nl; k++) {
      const o = 8 * k;
      const s = Math.max(p0, leaf[o + 1]),
        e = Math.min(p1, leaf[o + 2]);
      if (leaf[o] === 0) {
        const v = leaf[o + 3];
        for (let i = s; i < e; i++) pred[rows[i]] += v;
      } else {
        const f = leaf[o + 3],
          bin = leaf[o + 4],
          dl = leaf[o + 5] ? 1 : 0,
          vl = leaf[o + 6],
          vr = leaf[o + 7];
        const base = f * nRows;
        const missCode = hasMissing[f] ? nBins[f] : 256;
        for (let i = s; i < e; i++) {
          const r = rows[i];
          const c = codes[base + r];
          const isLeft = (((bin - c) >>> 31) ^ 1) | (dl & (((c ^ missCode) - 1) >>> 31));
          pred[r] += isLeft ? vl : vr;
        }
      }
    }
  }

  /**
   * OP_LEAFOF (every row in a record): leafOf[row] = 2·record + side (side 1 = right child of
   * a routed record), scattered over positions like OP_PRED. Writing a small index to a random
   * place is cheaper than a random read-modify-write of pred; OP_PREDGRAD then reads it in row
   * order.
   */
  function leafOfShare(S: KernelState, w: number, T: number): void {
    const { task, leaf, rows, leafOf, codes, nRows, nBins, hasMissing } = S;
    const nl = task[T_NLEAF];
    let m = 0;
    for (let k = 0; k < nl; k++) m = Math.max(m, leaf[8 * k + 2]);
    const p0 = Math.floor((w * m) / T),
      p1 = Math.floor(((w + 1) * m) / T);
    for (let k = 0; k < nl; k++) {
      const o = 8 * k;
      const s = Math.max(p0, leaf[o + 1]),
        e = Math.min(p1, leaf[o + 2]);
      if (leaf[o] === 0) {
        for (let i = s; i < e; i++) leafOf[rows[i]] = 2 * k;
      } else {
        const f = leaf[o + 3],
          bin = leaf[o + 4],
          dl = leaf[o + 5] ? 1 : 0;
        const base = f * nRows;
        const missCode = hasMissing[f] ? nBins[f] : 256;
        for (let i = s; i < e; i++) {
          const r = rows[i];
          const c = codes[base + r];
          const isLeft = (((bin - c) >>> 31) ^ 1) | (dl & (((c ^ missCode) - 1) >>> 31));
          leafOf[r] = 2 * k + (isLeft ^ 1);
        }
      }
    }
  }

  /**
   * OP_PREDGRAD: pred[i] += value of leafOf[i] (leaf[8k + 6 + side]), then the gradient as in
   * OP_GRAD, over this thread's range of rows, in row order.
   */
  function predGradShare(S: KernelState, w: number, T: number): void {
    const { leaf, leafOf, y, weights, pred, gradF, nRows: n } = S;
    const i0 = Math.floor((w * n) / T),
      i1 = Math.floor(((w + 1) * n) / T);
    const hasW = weights.length > 0;
    let mx = 0;
    for (let i = i0; i < i1; i++) {
      const q = leafOf[i];
      const p = pred[i] + leaf[8 * (q >> 1) + 6 + (q & 1)];
      pred[i] = p;
      const g = hasW ? weights[i] * (p - y[i]) : p - y[i];
      gradF[i] = g;
      const a = Math.abs(g);
      if (a > mx) mx = a;
    }
    S.result[w] = mx;
  }

  /**
   * OP_GRAD: squared-error gradients g = w·(pred − y) into gradF for this thread's range of
   * rows; result[w] = the range's max |g| (the maximum does not depend on the split).
   */
  function gradShare(S: KernelState, w: number, T: number): void {
    const { y, weights, pred, gradF, nRows: n } = S;
    const i0 = Math.floor((w * n) / T),
      i1 = Math.floor(((w + 1) * n) / T);
    let mx = 0;
    if (weights.length > 0) {
      for (let i = i0; i < i1; i++) {
        const g = weights[i] * (pred[i] - y[i]);
        gradF[i] = g;
        const a = Math.abs(g);
        if (a > mx) mx = a;
      }
    } else {
      for (let i = i0; i < i1; i++) {
        const g = pred[i] - y[i];
        gradF[i] = g;
        const a = Math.abs(g);
        if (a > mx) mx = a;
      }
    }
    S.result[w] = mx;
  }

  /**
   * OP_QUANT: grad = Math.round(gradF · scale) over this thread's rows; rows[i] = i when
   * task[T_IDENT]. Rounds with the 1.5·2^52 trick (round half to even, exact for |x| ≤ 2^51,
   * which the scale guarantees) plus a fix-up of ties, giving Math.round's value (up to the sign
   * of zero) at ~1 ns instead of ~7 ns per call in V8 on this machine.
   */
  function quantShare(S: KernelState, w: number, T: number): void {
    const { gradF, grad, rows, nRows: n } = S;
    const sg = S.param[2];
    const i0 = Math.floor((w * n) / T),
      i1 = Math.floor(((w + 1) * n) / T);
    const M = 6755399441055744; // 1.5 · 2^52
    for (let i = i0; i < i1; i++) {
      const x = gradF[i] * sg;
      const r = x + M - M;
      grad[i] = x - r === 0.5 ? r + 1 : r;
    }
    if (S.task[T_IDENT]) for (let i = i0; i < i1; i++) rows[i] = i;
  }

  /**
   * OP_BIN: quantile binning (binning.ts) of features w, w + T, … (param[6] = maxBins): codes
   * into `codes`, cuts into cutsOut[256·f…], counts into nCuts/nBins/hasMissing.
   */
  function binShare(S: KernelState, w: number, T: number): void {
    const { cols, codes, cutsOut, nCuts, nBins, hasMissing, nRows: n, nFeatures } = S;
    const bk = S.binning!;
    if (w >= nFeatures) return;
    const scratch = bk.radixScratch(n);
    for (let f = w; f < nFeatures; f += T) {
      const r = bk.binFeature(
        cols.subarray(f * n, (f + 1) * n),
        S.param[6],
        codes.subarray(f * n, (f + 1) * n),
        scratch,
      );
      cutsOut.set(r.cuts, 256 * f);
      nCuts[f] = r.cuts.length;
      nBins[f] = r.nBins;
      hasMissing[f] = r.hasMissing;
    }
  }

  /**
   * OP_ROWMAJOR: the row-major copy of the codes (4 per little-endian 32-bit word, feature 4j in
   * the low byte of word j, zero-padded) for this thread's range of rows.
   */
  function rowMajorShare(S: KernelState, w: number, T: number): void {
    const { codes, rowCodes, rowWords: W, nRows: n, nFeatures: F } = S;
    const i0 = Math.floor((w * n) / T),
      i1 = Math.floor(((w + 1) * n) / T);
    for (let j = 0; j < W; j++) {
      const f = 4 * j;
      const b0 = f * n,
        b1 = (f + 1) * n,
        b2 = (f + 2) * n,
        b3 = (f + 3) * n;
      const k = Math.min(4, F - f);
      if (k === 4)
        for (let i = i0; i < i1; i++)
          rowCodes[i * W + j] =
            (codes[b0 + i] | (codes[b1 + i] << 8) | (codes[b2 + i] << 16) | (codes[b3 + i] << 24)) >>> 0;
      else if (k === 3)
        for (let i = i0; i < i1; i++)
          rowCodes[i * W + j] = codes[b0 + i] | (codes[b1 + i] << 8) | (codes[b2 + i] << 16);
      else if (k === 2) for (let i = i0; i < i1; i++) rowCodes[i * W + j] = codes[b0 + i] | (codes[b1 + i] << 8);
      else for (let i = i0; i < i1; i++) rowCodes[i * W + j] = codes[b0 + i];
    }
  }

  /**
   * This thread's share (index w of T) of the job described in `task`:
   * OP_PARTITION splits partition records round-robin by thread; OP_HIST gives each thread a
   * contiguous range of the active features and runs every build, then every subtraction,
   * then every split search for those features (features never interact, so one barrier per
   * job suffices).
   */
  function runShare(S: KernelState, w: number, T: number): void {
    const { task, nFeatures, nSlots } = S;
    const L = layout(nFeatures, nSlots);
    const op = task[T_OP];
    if (op === OP_PARTITION) return partitionPieces(S, w, T, L.part);
    if (op === OP_PLACE) return placePieces(S, w, T, L.part);
    if (op === OP_PRED) return predShare(S, w, T);
    if (op === OP_HISTROWS) return histRowsShare(S, w, T, L.build);
    if (op === OP_LEAFOF) return leafOfShare(S, w, T);
    if (op === OP_PREDGRAD) return predGradShare(S, w, T);
    if (op === OP_BIN) return binShare(S, w, T);
    if (op === OP_ROWMAJOR) return rowMajorShare(S, w, T);
    if (op === OP_GRAD) return gradShare(S, w, T);
    if (op === OP_QUANT) return quantShare(S, w, T);
    if (op !== OP_HIST) throw new Error(`gbdt kernel: unknown op ${op}`);
    const A = task[T_NACTIVE];
    // With every feature active, threads take whole words of the row-major codes (4 features).
    const allActive = A === nFeatures;
    let fa: number, fb: number;
    if (allActive) {
      const NW = (nFeatures + 3) >> 2;
      fa = 4 * Math.floor((w * NW) / T);
      fb = Math.min(nFeatures, 4 * Math.floor(((w + 1) * NW) / T));
    } else {
      fa = Math.floor((w * A) / T);
      fb = Math.floor(((w + 1) * A) / T);
    }
    if (fa >= fb) return;
    const nb = task[T_NBUILD],
      ns = task[T_NSUB],
      nsp = task[T_NSPLIT];
    for (let k = 0; k < nb; k++) {
      const o = L.build + 4 * k;
      const j = T > 1 ? rowSplitIndex(S, k, L.build) : -1;
      if (j >= 0) {
        // Built by rows in OP_HISTROWS: add the other threads' scratch histograms for fa..fb.
        const d0 = task[o] * nFeatures * FS;
        for (let t = 1; t < T; t++) {
          const s0 = ((t - 1) * ROWSPLIT_MAX + j) * nFeatures * FS;
          for (let f = fa; f < fb; f++) {
            const len = 2 * (S.nBins[f] + S.hasMissing[f]);
            const d = d0 + f * FS,
              sc = s0 + f * FS;
            for (let b = 0; b < len; b++) S.hist[d + b] += S.scratch[sc + b];
          }
        }
        continue;
      }
      buildHist(S, task[o], task[o + 1], task[o + 2], task[o + 3], fa, fb, L.active, allActive);
    }
    for (let k = 0; k < ns; k++) {
      const o = L.sub + 2 * k;
      subtractHist(S, task[o], task[o + 1], fa, fb, L.active);
    }
    for (let k = 0; k < nsp; k++) {
      const o = L.split + 2 * k;
      const slot = task[o],
        res = task[o + 1];
      for (let a = fa; a < fb; a++) {
        const f = task[L.active + a];
        findSplit(S, slot, f, (res * nFeatures + f) * RS);
      }
    }
  }

  return {
    attach,
    layout,
    buildHist,
    buildHistRows,
    subtractHist,
    findSplit,
    runShare,
    OP_HIST,
    OP_PARTITION,
    OP_PLACE,
    OP_BIN,
    OP_ROWMAJOR,
    OP_LEAFOF,
    OP_PREDGRAD,
    OP_HISTROWS,
    ROWSPLIT_MAX,
    rowSplitIndex,
    OP_PRED,
    OP_GRAD,
    OP_QUANT,
    T_OP,
    T_NACTIVE,
    T_NBUILD,
    T_NSUB,
    T_NSPLIT,
    T_NPART,
    T_NLEAF,
    T_IDENT,
  };
}

export type Kernels = ReturnType<typeof gbdtKernels>;
