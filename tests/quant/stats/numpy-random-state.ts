/**
 * numpy's legacy `RandomState(seed)` (MT19937, Matsumoto & Nishimura 1998) and its
 * `standard_normal` (the polar Box–Muller method, keeping the second value for the next call),
 * so tests can rebuild series that published numpy-based test suites generate from a seed. The
 * first values for seed 0 are numpy's well-known 1.764052345967664, 0.4001572083672233,
 * 0.9787379841057392 (checked in block-bootstrap.test.ts).
 */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(624);
  private index = 624;
  private gauss: number | null = null;

  constructor(seed: number) {
    // init_genrand: mt[i] = 1812433253 · (mt[i−1] ⊕ (mt[i−1] >>> 30)) + i (mod 2³²).
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  /** The next tempered 32-bit output. */
  uint32(): number {
    const mt = this.mt;
    if (this.index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits (`random_sample`). */
  double(): number {
    const a = this.uint32() >>> 5,
      b = this.uint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** One draw of `standard_normal`. */
  normal(): number {
    if (this.gauss !== null) {
      const g = this.gauss;
      this.gauss = null;
      return g;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2 * this.double() - 1;
      x2 = 2 * this.double() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    return f * x2;
  }
}
