/**
 * Notebook data access: `sql\`…\`` over every current stage output, and `artifact(cell, output)`.
 *
 * Views (created on first mention, so a query pays only for what it names):
 * - `"<cellId>/<output>"`: one table output of one cell, e.g. `"backtest[model=gbdt,optimizer=hrp]/returns"`;
 * - `<stage>_<output>`: every cell of the stage, UNION ALL BY NAME, with the matrix axes as
 *   leading columns (`backtest_returns` has `model`, `optimizer`, then the returns columns);
 * - `<output>`: the same, when no other stage has an output of that name (`prices`, `features`).
 *
 * Every read is reported to `onRead` with the artifact's lock hash, so the renderer can cache
 * a cell's output against exactly what it read and flag the page when those artifacts change.
 * DuckDB starts only when a cell first queries.
 */
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { readFileSync } from "node:fs";
import { StrataError } from "../../core/errors.ts";
import { editDistance } from "../../core/suggest.ts";
import { createDatabase, readParquetSql, sqlIdent, sqlString } from "../../store/index.ts";
import type { Catalog, CatalogCell, CatalogOutput } from "../catalog.ts";

/** One artifact a cell read: the cell/output and the lock hash it had. */
export interface ArtifactRead {
  cell: string;
  output: string;
  hash: string;
}

interface ViewDef {
  name: string;
  /** Members: one for a cell view, every present cell for a stage view. */
  members: Array<{ cell: CatalogCell; output: CatalogOutput }>;
  /** Axis names added as leading columns (stage views of matrix stages). */
  axes: string[];
}

const stripExt = (name: string) => name.replace(/\.(parquet|json)$/, "");

/** The views the catalog offers, by name (no DuckDB needed). */
export function viewDefinitions(catalog: Catalog): Map<string, ViewDef> {
  const views = new Map<string, ViewDef>();
  const byStageOutput = new Map<string, ViewDef>();
  const stagesOfOutput = new Map<string, Set<string>>();
  for (const cell of catalog.cells) {
    for (const o of cell.outputs) {
      if (o.kind !== "table" || !o.present) continue;
      const out = stripExt(o.name);
      views.set(`${cell.id}/${out}`, { name: `${cell.id}/${out}`, members: [{ cell, output: o }], axes: [] });
      const key = `${cell.stage}_${out}`;
      let def = byStageOutput.get(key);
      if (!def) {
        def = {
          name: key,
          members: [],
          axes: catalog.stages.find((s) => s.name === cell.stage)?.axes ?? Object.keys(cell.axes),
        };
        byStageOutput.set(key, def);
      }
      def.members.push({ cell, output: o });
      if (!stagesOfOutput.has(out)) stagesOfOutput.set(out, new Set());
      stagesOfOutput.get(out)!.add(cell.stage);
    }
  }
  for (const [key, def] of byStageOutput) views.set(key, def);
  for (const [out, stages] of stagesOfOutput) {
    if (stages.size !== 1 || views.has(out)) continue;
    const def = byStageOutput.get(`${[...stages][0]}_${out}`)!;
    views.set(out, { ...def, name: out });
  }
  return views;
}

/** A value spliced into sql`` as a literal (never as SQL text). */
export function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "string") return sqlString(v);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return `'${v}'::DOUBLE`;
    return v < 0 || Object.is(v, -0) ? `(${v})` : String(v);
  }
  if (typeof v === "bigint") return v < 0n ? `(${v})` : String(v);
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  if (v instanceof Date) return `TIMESTAMP ${sqlString(v.toISOString().replace("T", " ").replace("Z", ""))}`;
  if (Array.isArray(v)) {
    if (v.length === 0) {
      throw new StrataError("ARGUMENT", "sql``: an empty array cannot be spliced (it would be `()`, invalid SQL)", {
        hint: "skip the query or the IN clause when the list is empty",
      });
    }
    return `(${v.map(sqlLiteral).join(", ")})`;
  }
  throw new StrataError("ARGUMENT", `sql\`\`: cannot splice a ${Object.prototype.toString.call(v)} into SQL`, {
    hint: "interpolate strings, numbers, booleans, dates, null or arrays of those (arrays become (a, b, …) for IN)",
  });
}

/** A DuckDB value as plain JS: BIGINT → number when exact (else string), dates → ISO strings. */
export function plainValue(v: unknown): unknown {
  if (typeof v === "bigint")
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) {
    const iso = v.toISOString();
    return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
  }
  if (Array.isArray(v)) return v.map(plainValue);
  if (v && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = plainValue(x);
    return o;
  }
  return v;
}

function suggest(name: string, options: readonly string[]): string {
  const near = options
    .map((o) => [o, editDistance(name, o)] as const)
    .filter(([, d]) => d <= Math.max(2, name.length / 3))
    .sort((a, b) => a[1] - b[1]);
  return near.length
    ? ` Did you mean ${near
        .slice(0, 3)
        .map(([o]) => `'${o}'`)
        .join(" or ")}?`
    : "";
}

export class NotebookData {
  private readonly views: Map<string, ViewDef>;
  private db: DuckDBInstance | undefined;
  private conn: Promise<DuckDBConnection> | undefined;
  private readonly created = new Set<string>();
  /** Called for every artifact read (set by the runtime to the running cell's recorder). */
  onRead: (read: ArtifactRead) => void = () => {};

  constructor(readonly catalog: Catalog) {
    this.views = viewDefinitions(catalog);
  }

  /** View names, sorted. */
  viewNames(): string[] {
    return [...this.views.keys()].sort();
  }

  private connection(): Promise<DuckDBConnection> {
    this.conn ??= (async () => {
      this.db = await createDatabase();
      return this.db.connect();
    })();
    return this.conn;
  }

  /** Views whose name the query text mentions (quoted or as a bare identifier). */
  private mentioned(text: string): ViewDef[] {
    const lower = text.toLowerCase();
    const out: ViewDef[] = [];
    for (const def of this.views.values()) {
      const n = def.name.toLowerCase();
      let at = lower.indexOf(n);
      while (at >= 0) {
        const before = lower[at - 1] ?? " ";
        const after = lower[at + n.length] ?? " ";
        if (!/[a-z0-9_$]/.test(before) && !/[a-z0-9_$]/.test(after)) {
          out.push(def);
          break;
        }
        at = lower.indexOf(n, at + 1);
      }
    }
    return out;
  }

  private async createView(conn: DuckDBConnection, def: ViewDef): Promise<void> {
    if (this.created.has(def.name)) return;
    let body: string;
    if (def.members.length === 1 && def.axes.length === 0) {
      body = `SELECT * FROM ${readParquetSql(def.members[0].output.path)}`;
    } else {
      // Axis columns first; an output column of the same name would clash, so it is left out.
      const schema = await conn.runAndReadAll(
        `SELECT name FROM parquet_schema(${sqlString(def.members[0].output.path)})`,
      );
      const cols = new Set(schema.getRows().map((r) => String(r[0])));
      const axes = def.axes.filter((a) => !cols.has(a));
      body = def.members
        .map(({ cell, output }) => {
          const lead = axes.map((a) => `${sqlLiteral(cell.axes[a] ?? null)} AS ${sqlIdent(a)}, `).join("");
          return `SELECT ${lead}* FROM ${readParquetSql(output.path)}`;
        })
        .join(" UNION ALL BY NAME ");
    }
    await conn.run(`CREATE OR REPLACE TEMP VIEW ${sqlIdent(def.name)} AS ${body}`);
    this.created.add(def.name);
  }

  /** Run a query (interpolations become literals) and return plain row objects. */
  async sql(
    strings: TemplateStringsArray | readonly string[],
    ...values: unknown[]
  ): Promise<Record<string, unknown>[]> {
    let text = strings[0];
    for (let i = 0; i < values.length; i++) text += sqlLiteral(values[i]) + strings[i + 1];
    const conn = await this.connection();
    for (const def of this.mentioned(text)) {
      await this.createView(conn, def);
      for (const m of def.members)
        this.onRead({ cell: m.cell.id, output: stripExt(m.output.name), hash: m.output.hash });
    }
    const reader = await conn.runAndReadAll(text);
    return reader.getRowObjectsJS().map((r) => plainValue(r) as Record<string, unknown>);
  }

  /** A table output's rows, or a JSON output's parsed value. */
  async artifact(cellId: string, output: string): Promise<unknown> {
    if (typeof cellId !== "string" || typeof output !== "string") {
      throw new StrataError(
        "ARGUMENT",
        `artifact(cell, output) takes two strings, got (${typeof cellId}, ${typeof output})`,
        {
          hint: 'e.g. artifact("backtest[model=gbdt,optimizer=hrp]", "returns")',
        },
      );
    }
    const cell = this.catalog.cells.find((c) => c.id === cellId);
    if (!cell) {
      const ids = this.catalog.cells.map((c) => c.id);
      throw new StrataError(
        "TARGET",
        `artifact: no cell '${cellId}' in this project.${suggest(cellId, ids)} Cells: ${ids.join(", ")}`,
      );
    }
    const out = cell.outputs.find((o) => o.name === output || stripExt(o.name) === output);
    if (!out) {
      const names = cell.outputs.map((o) => stripExt(o.name));
      throw new StrataError(
        "TARGET",
        cell.outputs.length
          ? `artifact: cell '${cellId}' has no output '${output}'.${suggest(output, names)} Its ` +
              `outputs: ${names.join(", ")}`
          : `artifact: cell '${cellId}' has no outputs yet (state: ${cell.state})`,
        { hint: cell.outputs.length ? undefined : `run \`pipeline run '${cellId}'\`` },
      );
    }
    if (!out.present) {
      throw new StrataError(
        "TARGET",
        `artifact: ${cellId}/${stripExt(out.name)} (${out.relPath}) is missing on disk or differs from pipeline.lock`,
        {
          hint: `run \`pipeline run '${cellId}'\` to bring it back`,
        },
      );
    }
    this.onRead({ cell: cell.id, output: stripExt(out.name), hash: out.hash });
    if (out.kind === "json") return JSON.parse(readFileSync(out.path, "utf8")) as unknown;
    if (out.kind === "table") {
      const conn = await this.connection();
      const reader = await conn.runAndReadAll(`SELECT * FROM ${readParquetSql(out.path)}`);
      return reader.getRowObjectsJS().map((r) => plainValue(r) as Record<string, unknown>);
    }
    return new Uint8Array(readFileSync(out.path));
  }

  /** Close DuckDB (if it was started). */
  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    if (!conn) return;
    try {
      (await conn).closeSync();
    } catch {
      // the connection never opened: nothing to close
    }
    this.db?.closeSync();
    this.db = undefined;
  }
}
