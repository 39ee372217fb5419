/**
 * One cell → JavaScript ready to run in the notebook's shared scope.
 *
 * TypeScript is stripped by esbuild (with a source map back to the cell's lines); acorn then
 * finds the cell's top-level declarations (which later cells see), the names it uses, its
 * imports and its last expression. Static imports become `await __nb.import(...)` so they
 * resolve from the project, `import(...)` likewise, and a last expression statement is passed
 * to `__nb.last(...)` (displayed unless undefined). Every rewrite keeps the line count, so the
 * source map still holds.
 */
import { transformSync } from "esbuild";
import { parse, type Node } from "acorn";
import { decodeMappings, originalLine, type LineMap } from "./source-map.ts";

export type BindingKind = "const" | "let";

export interface CompiledCell {
  /** JavaScript of the cell body, line for line as esbuild wrote it. */
  js: string;
  /** Top-level declarations: name → whether later cells may reassign it. */
  declared: Map<string, BindingKind>;
  /** Every identifier name the cell mentions (a superset of the free variables it reads). */
  names: Set<string>;
  /** Import specifiers, as written. */
  imports: string[];
  map: LineMap;
}

export interface CellSyntaxError {
  message: string;
  /** 0-based line within the cell's source. */
  line: number | undefined;
}

export type CompileResult = { ok: true; cell: CompiledCell } | { ok: false; error: CellSyntaxError };

type AnyNode = Node & Record<string, unknown>;

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Names bound by a declaration pattern (`{ a, b: [c, ...d] = x }` → a, c, d). */
function patternNames(p: AnyNode | null | undefined, out: string[]): void {
  if (!p) return;
  switch (p.type) {
    case "Identifier":
      out.push(p.name as string);
      break;
    case "ObjectPattern":
      for (const prop of p.properties as AnyNode[])
        patternNames((prop.type === "RestElement" ? prop.argument : prop.value) as AnyNode, out);
      break;
    case "ArrayPattern":
      for (const el of p.elements as (AnyNode | null)[]) patternNames(el, out);
      break;
    case "RestElement":
      patternNames(p.argument as AnyNode, out);
      break;
    case "AssignmentPattern":
      patternNames(p.left as AnyNode, out);
      break;
  }
}

/** Visit every node of the tree (children in source order). */
function walk(node: AnyNode, visit: (n: AnyNode) => void): void {
  visit(node);
  for (const key of Object.keys(node)) {
    if (key === "type" || key === "start" || key === "end") continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const c of v)
        if (c && typeof c === "object" && typeof (c as AnyNode).type === "string") walk(c as AnyNode, visit);
    } else if (v && typeof v === "object" && typeof (v as AnyNode).type === "string") {
      walk(v as AnyNode, visit);
    }
  }
}

/** Keep the line count of the replaced text: pad the replacement with its newlines. */
function sameLines(original: string, replacement: string): string {
  const n = original.split("\n").length - 1;
  return replacement + "\n".repeat(Math.max(0, n - (replacement.split("\n").length - 1)));
}

function importReplacement(node: AnyNode): string {
  const source = JSON.stringify((node.source as AnyNode).value);
  const specs = node.specifiers as AnyNode[];
  if (specs.length === 0) return `await __nb.import(${source});`;
  const locals = specs.map((s) => (s.local as AnyNode).name as string);
  return `const [${locals.join(", ")}] = await __nb.bindImport(${source}, ${JSON.stringify(specs.map(importKey))});`;
}

/** How an import specifier reads the module: "*" (namespace), "default", or the export name. */
function importKey(s: AnyNode): string {
  if (s.type === "ImportNamespaceSpecifier") return "*";
  if (s.type === "ImportDefaultSpecifier") return "default";
  const imported = s.imported as AnyNode;
  return imported.type === "Literal" ? String(imported.value) : (imported.name as string);
}

/** Compile one cell; a syntax error is returned with its line in the cell. */
export function compileCell(code: string): CompileResult {
  const stripped = stripTypes(code);
  if (!("js" in stripped)) return { ok: false, error: stripped };
  const { js, map } = stripped;
  const parsed = parseProgram(js, map);
  if (!("program" in parsed)) return { ok: false, error: parsed };
  const { program } = parsed;
  const body = program.body as AnyNode[];
  const top = topLevel(body, js, map);
  if (!("declared" in top)) return { ok: false, error: top };
  const { declared, imports, edits } = top;
  edits.push(...lastExpressionEdits(body));
  const names = new Set<string>();
  walk(program, (n) => {
    if (n.type === "Identifier") names.add(n.name as string);
    else if (n.type === "ImportExpression") {
      // import(x) → __nb.import(x): the project resolves it, not this module.
      edits.push({ start: n.start, end: n.start + "import".length, text: "__nb.import" });
    }
  });
  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let text = js;
  for (const e of edits) text = text.slice(0, e.start) + e.text + text.slice(e.end);
  return { ok: true, cell: { js: text, declared, names, imports, map } };
}

/** TypeScript → JavaScript with esbuild, and the line map back to the cell's source. */
function stripTypes(code: string): { js: string; map: LineMap } | CellSyntaxError {
  let out: { code: string; map: string };
  try {
    out = transformSync(code, {
      loader: "ts",
      sourcemap: "external",
      sourcefile: "cell.ts",
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
      logLevel: "silent",
    });
  } catch (e) {
    const first = (e as { errors?: Array<{ text: string; location?: { line: number } | null }> }).errors?.[0];
    return {
      message: `SyntaxError: ${first?.text ?? String(e)}`,
      line: first?.location ? first.location.line - 1 : undefined,
    };
  }
  const map = decodeMappings((JSON.parse(out.map) as { mappings: string }).mappings);
  return { js: out.code, map };
}

/** The cell's JavaScript as a module (top-level await allowed); a syntax error at its line in the cell. */
function parseProgram(js: string, map: LineMap): { program: AnyNode } | CellSyntaxError {
  try {
    const program = parse(js, {
      ecmaVersion: "latest",
      sourceType: "module",
      allowAwaitOutsideFunction: true,
      locations: true,
    }) as unknown as AnyNode;
    return { program };
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc;
    const line = loc ? originalLine(map, loc.line - 1, loc.column) : undefined;
    return { message: `SyntaxError: ${(e as Error).message.replace(/ \(\d+:\d+\)$/, "")}`, line };
  }
}

/**
 * The top-level declarations and imports, and the edits that drop `export` keywords and turn
 * static imports into `__nb.bindImport` calls; an error for any other export.
 */
function topLevel(
  body: readonly AnyNode[],
  js: string,
  map: LineMap,
): { declared: Map<string, BindingKind>; imports: string[]; edits: Edit[] } | CellSyntaxError {
  const declared = new Map<string, BindingKind>();
  const imports: string[] = [];
  const edits: Edit[] = [];
  for (const stmt of body) {
    let decl: AnyNode = stmt;
    if (stmt.type === "ExportNamedDeclaration" && stmt.declaration) {
      decl = stmt.declaration as AnyNode;
      edits.push({ start: stmt.start, end: decl.start, text: "" });
    } else if (
      stmt.type === "ExportNamedDeclaration" ||
      stmt.type === "ExportDefaultDeclaration" ||
      stmt.type === "ExportAllDeclaration"
    ) {
      const line = originalLine(map, (stmt.loc as { start: { line: number } }).start.line - 1, 0);
      return {
        message: "SyntaxError: a notebook cell cannot export; declare the name at the top level and later cells see it",
        line,
      };
    }
    if (decl.type === "VariableDeclaration") {
      const names: string[] = [];
      for (const d of decl.declarations as AnyNode[]) patternNames(d.id as AnyNode, names);
      for (const n of names) declared.set(n, decl.kind === "const" ? "const" : "let");
    } else if (decl.type === "FunctionDeclaration" || decl.type === "ClassDeclaration") {
      declared.set((decl.id as AnyNode).name as string, "let");
    } else if (decl.type === "ImportDeclaration") {
      imports.push(String((decl.source as AnyNode).value));
      for (const s of decl.specifiers as AnyNode[]) declared.set((s.local as AnyNode).name as string, "const");
      edits.push({
        start: decl.start,
        end: decl.end,
        text: sameLines(js.slice(decl.start, decl.end), importReplacement(decl)),
      });
    }
  }
  return { declared, imports, edits };
}

/**
 * Wrap a last expression statement in `__nb.last((…))` so its value is displayed; not an
 * assignment, an update or a directive ("use strict"), whose value nobody means to show.
 */
function lastExpressionEdits(body: readonly AnyNode[]): Edit[] {
  const last = body[body.length - 1];
  if (last?.type !== "ExpressionStatement") return [];
  const expr = last.expression as AnyNode;
  if (
    expr.type !== "AssignmentExpression" &&
    expr.type !== "UpdateExpression" &&
    !(expr.type === "Literal" && typeof expr.value === "string" && last.directive)
  ) {
    return [
      { start: last.start, end: expr.start, text: "__nb.last((" },
      { start: expr.end, end: last.end, text: "));" },
    ];
  }
  return [];
}
