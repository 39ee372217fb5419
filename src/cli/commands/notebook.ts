/**
 * `pipeline notebook render|new|serve`: notebooks/*.md → reports/notebooks/*.html, a new
 * notebook from a template, and a loopback server with live reload.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { StrataError } from "../../core/errors.ts";
import type { Catalog } from "../../report/catalog.ts";
import { notebookIndexPage, type NotebookIndexEntry } from "../../report/notebook/index-page.ts";
import { notebookName, renderNotebook, type NotebookRender } from "../../report/notebook/render.ts";
import { scaffoldNotebook, validateNotebookName } from "../../report/notebook/scaffold.ts";
import { changedArtifacts, markStale, readPageMeta } from "../../report/notebook/stale.ts";
import { loadCatalog } from "../catalog.ts";
import { color, fmtSeconds, printJson, untilSignal } from "../output.ts";

interface Flags {
  file?: string;
  json?: boolean;
}

function notebookFiles(root: string): string[] {
  const dir = join(root, "notebooks");
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".md"))
        .sort()
        .map((f) => join(dir, f))
    : [];
}

/** reports/notebooks/index.html: every notebook with its page's state. */
function writeIndex(catalog: Catalog, renders: Map<string, NotebookRender>): void {
  const pagesDir = join(catalog.root, "reports", "notebooks");
  const entries: NotebookIndexEntry[] = notebookFiles(catalog.root).map((f) => {
    const name = notebookName(f);
    const file = relative(catalog.root, f);
    const page = join(pagesDir, `${name}.html`);
    const meta = existsSync(page) ? readPageMeta(readFileSync(page, "utf8")) : undefined;
    const r = renders.get(name);
    const title = r?.title ?? /^ {0,3}#\s+(.+?)\s*#*\s*$/m.exec(readFileSync(f, "utf8"))?.[1] ?? name;
    if (!meta) return { name, title, file, changed: [], unrendered: true };
    return { name, title, file, changed: changedArtifacts(catalog, meta), ...(r ? { errors: r.errors } : {}) };
  });
  mkdirSync(pagesDir, { recursive: true });
  writeFileSync(join(pagesDir, "index.html"), notebookIndexPage(entries, { lockHash: catalog.lockHash }));
}

export async function notebookRenderCommand(files: string[], flags: Flags): Promise<void> {
  const catalog = await loadCatalog({ file: flags.file });
  const targets = files.length ? files.map((f) => resolve(f)) : notebookFiles(catalog.root);
  for (const f of targets) {
    if (!existsSync(f))
      throw new StrataError("ARGUMENT", `notebook ${relative(process.cwd(), f)} does not exist`, {
        hint: "pass a notebooks/*.md file, or create one with `pipeline notebook new NAME`",
      });
    if (!f.endsWith(".md"))
      throw new StrataError("ARGUMENT", `notebook ${relative(process.cwd(), f)} is not a .md file`, {
        hint: "notebooks are Markdown files with ```ts cells",
      });
  }
  if (!targets.length && !flags.json)
    process.stdout.write("No notebooks in notebooks/. Create one with `pipeline notebook new NAME`.\n");
  const renders = new Map<string, NotebookRender>();
  for (const f of targets) {
    const r = await renderNotebook(f, catalog);
    renders.set(r.name, r);
    if (!flags.json) {
      const state = r.cached ? color.dim("cached  ") : color.green("rendered");
      const failed = r.errors ? color.red(` ${r.errors} failed cell${r.errors === 1 ? "" : "s"}`) : "";
      process.stdout.write(
        `${state} ${r.file} → ${relative(process.cwd(), r.outFile)}  ${fmtSeconds(r.ms / 1000)}${failed}\n`,
      );
      for (const c of r.cells) {
        if (c.error)
          process.stdout.write(
            `  ${color.red("error")} cell ${c.index} ` +
              `at ${r.file}:${c.error.line ?? c.line}: ${c.error.message.split("\n")[0]}\n`,
          );
      }
    }
  }
  writeIndex(catalog, renders);
  const stale = markStale(catalog, join(catalog.root, "reports")).filter((s) => s.stale);
  const errors = [...renders.values()].reduce((n, r) => n + r.errors, 0);
  if (flags.json) {
    printJson({
      ok: errors === 0,
      notebooks: [...renders.values()].map((r) => ({
        name: r.name,
        file: r.file,
        page: relative(catalog.root, r.outFile),
        status: r.cached ? "cached" : "rendered",
        seconds: Number((r.ms / 1000).toFixed(3)),
        errors: r.errors,
        cells: r.cells,
        reads: r.reads.length,
      })),
      stale: stale.map((s) => ({ name: s.name, changed: s.changed })),
    });
  } else {
    for (const s of stale)
      process.stdout.write(
        `${color.yellow("stale")}    reports/notebooks/${s.name}.html: ${s.changed.length} artifact(s) changed since ` +
          `it was rendered\n`,
      );
  }
  if (errors) process.exitCode = 1;
}

export async function notebookNewCommand(name: string, flags: Flags): Promise<void> {
  const n = validateNotebookName(name);
  const catalog = await loadCatalog({ file: flags.file });
  const path = join(catalog.root, "notebooks", `${n}.md`);
  const rel = relative(process.cwd(), path);
  if (existsSync(path))
    throw new StrataError("ARGUMENT", `${rel} already exists; not overwriting it`, {
      hint: "pick another name, or edit the existing notebook",
    });
  mkdirSync(join(catalog.root, "notebooks"), { recursive: true });
  writeFileSync(path, scaffoldNotebook(n, catalog), { flag: "wx" });
  if (flags.json) printJson({ ok: true, file: relative(catalog.root, path) });
  else
    process.stdout.write(
      `Created ${rel}. Render it with \`pipeline notebook render ${rel}\`, or watch it with \`pipeline notebook ` +
        `serve\`.\n`,
    );
}

function openBrowser(url: string): void {
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "cmd" : "xdg-open";
  const args = process.platform === "win32" ? ["/c", "start", "", url] : [url];
  try {
    const child = spawn(cmd, args, { stdio: "ignore", detached: true });
    child.on("error", () => undefined); // no opener installed: the URL is printed anyway
    child.unref();
  } catch {
    // same
  }
}

export async function notebookServeCommand(flags: Flags & { port?: number; open?: boolean }): Promise<void> {
  const { serveNotebooks } = await import("../../report/notebook/server.ts");
  const first = await loadCatalog({ file: flags.file });
  let initial: Catalog | undefined = first;
  const server = await serveNotebooks({
    root: first.root,
    port: flags.port,
    loadCatalog: async () => {
      const c = initial ?? (await loadCatalog({ file: flags.file }));
      initial = undefined;
      return c;
    },
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`Serving notebooks at ${server.url} (Ctrl-C to stop)\n`);
  if (flags.open !== false && !process.env.CI) openBrowser(server.url);
  await untilSignal(() => server.close());
  process.stdout.write("Stopped.\n");
}
