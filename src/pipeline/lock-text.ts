/**
 * The lock's YAML text written directly, without building a yaml Document: the lock is
 * rewritten after every computed cell, and the Document route took ~100 ms a write for the
 * default study (~4 s of a cold run's main thread).
 *
 * The text must be byte for byte what the yaml library writes for the same tree with the
 * lock's options (lock.ts, serializeLock: indent 2, sequences indented, no line folding, no
 * padding inside flow collections, the flow collections and blank lines it marks), so each
 * scalar is written as the library writes it: its text comes from the library itself, once per
 * distinct scalar and context (block or flow) per process. The structure around the scalars —
 * indentation, `- ` items, `{k: v}` flow maps, `[a, b]` flow sequences — is the part written
 * here. Whatever this writer does not handle (a scalar the library would write on several
 * lines or as a block scalar, a sequence inside a sequence, non-finite numbers) makes it
 * return null, and the caller uses the library. tests/pipeline/lock-text.test.ts compares both
 * on the default study's lock and on random locks.
 */
import { yamlLib } from "./yaml-lib.ts";

/** Where flow style is used, as in serializeLock. */
export interface LockLayout {
  /** The top-level sections in order; sections after the first get a blank line before them. */
  sections: Array<[key: string, value: unknown]>;
  /** The comment at the top (the text after `#`). */
  header: string;
}

type Ctx = "block" | "flow";
const memo: Record<Ctx, Map<string, string | null>> = { block: new Map(), flow: new Map() };
/** Lowercase hex with a letter no number can hold (not e): always plain, in either context. */
const HEX = /^(?=[0-9a-f]*[a-df])[0-9a-f]+$/;
/**
 * Names and paths (a letter or _ first, then letters, digits, _ . / = -): no indicator, no
 * flow character, and no value of YAML's core schema can look like that but these words,
 * which go to the library (with YAML 1.1's booleans, in case it quotes them too).
 */
const NAME = /^[A-Za-z_][A-Za-z0-9_./=-]*$/;
const WORDS = /^(true|True|TRUE|false|False|FALSE|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;

class Unsupported extends Error {}

/** A string as the library writes it in `ctx`, or null when it would span lines. */
function scalarText(s: string, ctx: Ctx): string | null {
  if (HEX.test(s) || (NAME.test(s) && !WORDS.test(s))) return s;
  const m = memo[ctx];
  let t = m.get(s);
  if (t === undefined) {
    const { Document } = yamlLib();
    const doc = new Document(ctx === "flow" ? [s] : s);
    if (ctx === "flow") (doc.contents as unknown as { flow: boolean }).flow = true;
    const out = doc.toString({ lineWidth: 0, indent: 2, indentSeq: true, flowCollectionPadding: false });
    const body = out.endsWith("\n") ? out.slice(0, -1) : out;
    if (ctx === "flow") t = body.startsWith("[") && body.endsWith("]") ? body.slice(1, -1) : null;
    else t = body;
    if (t !== null && (t.includes("\n") || t === "" || t.startsWith("|") || t.startsWith(">"))) t = null;
    m.set(s, t);
  }
  return t;
}

function scalar(v: unknown, ctx: Ctx): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isFinite(v) || Object.is(v, -0)) throw new Unsupported();
    return String(v);
  }
  if (typeof v === "string") {
    const t = scalarText(v, ctx);
    if (t === null) throw new Unsupported();
    return t;
  }
  throw new Unsupported();
}

/** A map key: as a value would be written, but YAML writes keys of over 1,024 characters as `? key`: not handled. */
function key(k: string, ctx: Ctx): string {
  if (k.length > 1000) throw new Unsupported();
  return scalar(k, ctx);
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

function flow(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => flowItem(x)).join(", ")}]`;
  if (isMap(v)) {
    return `{${Object.entries(v)
      .map(([k, x]) => `${key(k, "flow")}: ${flowItem(x)}`)
      .join(", ")}}`;
  }
  throw new Unsupported();
}

function flowItem(v: unknown): string {
  if (Array.isArray(v) || isMap(v)) return flow(v);
  return scalar(v, "flow");
}

/**
 * Lines of `value` as the value of a block map pair at `indent` (spaces of its key): the text
 * after `key:` on the key's line, and the lines below.
 */
function blockValue(value: unknown, indent: number, isFlow: (path: string[]) => boolean, path: string[]): string {
  if (isFlow(path)) return ` ${flow(value)}\n`;
  if (Array.isArray(value)) return value.length === 0 ? " []\n" : `\n${blockSeq(value, indent + 2, isFlow, path)}`;
  if (isMap(value)) {
    if (Object.keys(value).length === 0) return " {}\n";
    return `\n${blockMap(value, indent + 2, isFlow, path, false)}`;
  }
  return ` ${scalar(value, "block")}\n`;
}

/** The items of a non-empty sequence as `- ` lines at `indent`. */
function blockSeq(items: unknown[], indent: number, isFlow: (path: string[]) => boolean, path: string[]): string {
  const pad = " ".repeat(indent);
  let out = "";
  for (const item of items) {
    if (Array.isArray(item) && item.length > 0) {
      out += `${pad}- ${blockSeq(item, indent + 2, isFlow, path).slice(indent + 2)}`;
    } else if (isMap(item) && Object.keys(item).length > 0) {
      out += `${pad}- ${blockMap(item, indent + 2, isFlow, path, false).slice(indent + 2)}`;
    } else if (Array.isArray(item)) out += `${pad}- []\n`;
    else if (isMap(item)) out += `${pad}- {}\n`;
    else out += `${pad}- ${scalar(item, "block")}\n`;
  }
  return out;
}

function blockMap(
  map: Record<string, unknown>,
  indent: number,
  isFlow: (path: string[]) => boolean,
  path: string[],
  blankBetween: boolean,
): string {
  const pad = " ".repeat(indent);
  let out = "";
  let first = true;
  for (const [k, v] of Object.entries(map)) {
    if (!first && blankBetween) out += "\n";
    first = false;
    out += `${pad}${key(k, "block")}:${blockValue(v, indent, isFlow, [...path, k])}`;
  }
  return out;
}

/**
 * The lock's text for `layout`, or null when something in it is not handled here. `isFlow`
 * names the values written in flow style by their path of keys; `blankCells` puts a blank line
 * between the entries of the section of that name.
 */
export function writeLockText(
  layout: LockLayout,
  isFlow: (path: string[]) => boolean,
  blankCells: string,
): string | null {
  try {
    let out = `#${layout.header}\n\n`;
    layout.sections.forEach(([name, value], i) => {
      if (i > 1) out += "\n";
      const k = key(name, "block");
      if (isMap(value) && Object.keys(value).length > 0 && !isFlow([name]))
        out += `${k}:\n${blockMap(value, 2, isFlow, [name], name === blankCells)}`;
      else out += `${k}:${blockValue(value, 0, isFlow, [name])}`;
    });
    return out;
  } catch (e) {
    if (e instanceof Unsupported) return null;
    throw e;
  }
}
