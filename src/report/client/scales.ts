/**
 * The chart's scales as the server wrote them (Plot's scale descriptors, reduced to what the
 * page needs), and the arithmetic the page does with them: pixel → value, value → pixel, and
 * readable ticks for a zoomed domain. Browser code: no imports from the server side.
 */

export interface ScaleSpec {
  type: string;
  domain: (number | string)[];
  range: number[];
  /** Band scales: distance between band starts, band width, alignment, inner padding. */
  step?: number;
  bandwidth?: number;
  align?: number;
  paddingInner?: number;
  base?: number;
}

export interface ChartSpec {
  x?: ScaleSpec;
  y?: ScaleSpec;
  /** Categorical color: domain[i] is drawn in range[i]. */
  color?: { domain: string[]; range: string[] };
}

const isTime = (s: ScaleSpec): boolean => s.type === "utc" || s.type === "time";
/** Whether the scale maps numbers (or dates) continuously. */
export const continuous = (s: ScaleSpec): boolean =>
  s.type === "linear" || s.type === "log" || s.type === "sqrt" || s.type === "pow" || isTime(s);
export const temporal = isTime;

function toNumber(v: number | string): number {
  return typeof v === "string" ? Date.parse(v) : v;
}

/** Forward transform of the scale's type (log: log10; otherwise identity). */
function fwd(s: ScaleSpec, v: number): number {
  if (s.type === "log") return Math.log10(v);
  if (s.type === "sqrt") return Math.sign(v) * Math.sqrt(Math.abs(v));
  return v;
}
function inv(s: ScaleSpec, t: number): number {
  if (s.type === "log") return 10 ** t;
  if (s.type === "sqrt") return Math.sign(t) * t * t;
  return t;
}

/** A continuous scale as an affine map in transformed space: pixel = a + b·fwd(value). */
function affine(s: ScaleSpec, domain = s.domain.map((d) => toNumber(d)), range = s.range) {
  const t0 = fwd(s, domain[0]);
  const t1 = fwd(s, domain[domain.length - 1]);
  const p0 = range[0];
  const p1 = range[range.length - 1];
  const b = t1 === t0 ? 0 : (p1 - p0) / (t1 - t0);
  return { a: p0 - b * t0, b };
}

/** Pixel → value of a continuous scale (a number; epoch ms for time scales). */
export function invert(s: ScaleSpec, px: number, domain?: number[]): number {
  const { a, b } = affine(s, domain);
  return inv(s, b === 0 ? fwd(s, toNumber(s.domain[0])) : (px - a) / b);
}

/** Value → pixel of a continuous scale. */
export function apply(s: ScaleSpec, v: number, domain?: number[]): number {
  const { a, b } = affine(s, domain);
  return a + b * fwd(s, v);
}

/** The band (or point) whose centre is nearest to `px`. */
export function bandAt(s: ScaleSpec, px: number): string | number | undefined {
  const n = s.domain.length;
  if (!n) return undefined;
  const [r0, r1] = [s.range[0], s.range[s.range.length - 1]];
  const step = s.step ?? (r1 - r0) / Math.max(1, n);
  // A band scale spans n steps less its inner padding; a point scale n − 1 steps between points.
  const span = s.type === "band" ? n - (s.paddingInner ?? 0) : n - 1;
  const bw = s.bandwidth ?? 0;
  const start = r0 + (r1 - r0 - step * span) * (s.align ?? 0.5);
  const i = Math.round((px - start - bw / 2) / step);
  return s.domain[Math.max(0, Math.min(n - 1, i))];
}

/** Readable number: four significant digits, a true minus sign, no exponent for ordinary sizes. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  const text =
    a !== 0 && (a < 1e-4 || a >= 1e9)
      ? v.toExponential(3)
      : Number(v.toPrecision(4)).toLocaleString("en-US", { maximumFractionDigits: 10 });
  return text.replace(/^-/, "\u2212");
}

/** A date of a time scale: the day, or the minute when the domain is shorter than three days. */
export function formatTime(ms: number, spanMs: number): string {
  const iso = new Date(ms).toISOString();
  return spanMs < 3 * 864e5 ? `${iso.slice(0, 16).replace("T", " ")} UTC` : iso.slice(0, 10);
}

/** A value of the scale for people. */
export function formatValue(s: ScaleSpec, v: number | string | undefined, domain?: number[]): string {
  if (v === undefined) return "";
  if (typeof v === "string") return v;
  if (isTime(s)) {
    const d = domain ?? s.domain.map((x) => toNumber(x));
    return formatTime(v, Math.abs(d[d.length - 1] - d[0]));
  }
  return formatNumber(v);
}

/** 1, 2 or 5 × 10^k: the step giving about `count` ticks over [lo, hi]. */
export function niceStep(lo: number, hi: number, count: number): number {
  const raw = Math.abs(hi - lo) / Math.max(1, count);
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  // The nice multiple nearest on a log scale: thresholds at the geometric means √2, √10, √50.
  return (m >= Math.sqrt(50) ? 10 : m >= Math.sqrt(10) ? 5 : m >= Math.SQRT2 ? 2 : 1) * p;
}

/** Linear ticks over [lo, hi] (either order): multiples of a nice step. */
export function linearTicks(lo: number, hi: number, count = 6): number[] {
  const [a, b] = lo <= hi ? [lo, hi] : [hi, lo];
  const step = niceStep(a, b, count);
  const out: number[] = [];
  for (let i = Math.ceil(a / step); i * step <= b + step * 1e-9; i++) out.push(Number((i * step).toPrecision(12)));
  return out;
}

const DAY = 864e5;
/** Calendar steps for time ticks: [months, or days when months is 0]. */
const TIME_STEPS: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [0, 2],
  [0, 7],
  [0, 14],
  [1, 0],
  [3, 0],
  [6, 0],
  [12, 0],
  [24, 0],
  [60, 0],
  [120, 0],
];

/** Time ticks on calendar boundaries (UTC) with their labels: days, months or years. */
export function timeTicks(lo: number, hi: number, count = 7): { value: number; label: string }[] {
  const [a, b] = lo <= hi ? [lo, hi] : [hi, lo];
  const span = b - a;
  const [months, days] = TIME_STEPS.find(([m, d]) => (m ? m * 30.44 * DAY : d * DAY) * count >= span) ?? [240, 0];
  const out: { value: number; label: string }[] = [];
  const first = new Date(a);
  if (months) {
    // Month number since year 0; ticks fall on multiples of the step (quarters, years, decades).
    const y = first.getUTCFullYear();
    const m = first.getUTCMonth();
    const from = y * 12 + m + (a > Date.UTC(y, m, 1) ? 1 : 0);
    for (let k = Math.ceil(from / months) * months; ; k += months) {
      const t = Date.UTC(Math.floor(k / 12), k % 12, 1);
      if (t > b) break;
      const iso = new Date(t).toISOString();
      out.push({ value: t, label: months % 12 === 0 ? iso.slice(0, 4) : iso.slice(0, 7) });
    }
  } else {
    for (let t = Math.ceil(a / (days * DAY)) * days * DAY; t <= b; t += days * DAY)
      out.push({ value: t, label: new Date(t).toISOString().slice(0, 10) });
  }
  return out;
}
