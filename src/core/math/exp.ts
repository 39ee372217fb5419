import { expDD } from "./exp-dd.ts";

/**
 * e^x, the same bits on every JavaScript engine (Math.exp differs by an ulp between V8
 * versions, e.g. Node 20 and Deno 2, on about 1 input in 10). Correctly rounded in almost all
 * cases; ES Math.exp semantics for NaN, ±Infinity, overflow and underflow.
 */
export function exp(x: number): number {
  if (x === Infinity) return Infinity;
  if (x === -Infinity) return 0;
  return expDD(x, 0);
}
