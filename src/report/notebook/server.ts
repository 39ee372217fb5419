/**
 * `pipeline notebook serve`: notebooks over HTTP on the loopback interface, with live reload.
 *
 * GET /                       → the list of notebooks with stale badges
 * GET /notebooks/NAME.html    → NAME.md rendered (from the cache when nothing changed)
 * GET /__events               → Server-Sent Events: `reload` with the notebook's name, or `*`
 * GET /__live.js              → the page's only script: reload on that event
 *
 * A saved notebook is re-rendered (debounced) and its open pages reload; a new pipeline.lock
 * reloads the catalog and re-renders every notebook. Pages are sent with a Content-Security-
 * Policy allowing only our own script and same-origin connections.
 */
import { existsSync, readFileSync, readdirSync, watch, type FSWatcher } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { StrataError } from "../../core/errors.ts";
import { html } from "../html.ts";
import type { Catalog } from "../catalog.ts";
import { notebookIndexPage, type NotebookIndexEntry } from "./index-page.ts";
import { notebookName, renderNotebook, type NotebookRender } from "./render.ts";
import { changedArtifacts, readPageMeta } from "./stale.ts";
import { createHash } from "node:crypto";
import { PAGE_SCRIPT } from "../page-script.generated.ts";

export interface ServeOptions {
  root: string;
  /** TCP port on 127.0.0.1; 0 picks a free one (default 8765). */
  port?: number;
  /** Builds the project's catalog (given by the CLI: this layer does not know the engine). */
  loadCatalog: () => Promise<Catalog>;
  /** Progress lines (renders, reloads, errors). */
  log?: (line: string) => void;
  /** Quiet period after a file event before re-rendering, in ms (default 80). */
  debounceMs?: number;
}

export interface NotebookServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LIVE_JS = `(() => {
  const here = decodeURIComponent(location.pathname.split("/").pop() || "").replace(/\\.html$/, "");
  const events = new EventSource("/__events");
  events.addEventListener("reload", (e) => {
    if (e.data === "*" || e.data === here || here === "" || here === "index") location.reload();
  });
})();
`;
const LIVE_TAG = `<script src="/__live.js"></script>`;
const ICON_TAG = `<link rel="icon" href="data:,">`;
/** Scripts: the server's own (live reload) and the page script inlined in every page, by its hash. */
const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; " +
  `script-src 'self' 'sha256-${createHash("sha256").update(PAGE_SCRIPT).digest("base64")}'; connect-src 'self'; ` +
  "base-uri 'none'; form-action 'none'";
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** The live-reload script before </body>, and an empty icon so the browser asks for no favicon. */
function withLiveReload(page: string): string {
  const head = page.indexOf("</head>");
  const withIcon = head < 0 || page.includes(ICON_TAG) ? page : `${page.slice(0, head)}${ICON_TAG}${page.slice(head)}`;
  const at = withIcon.lastIndexOf("</body>");
  return at < 0 ? withIcon + LIVE_TAG : withIcon.slice(0, at) + LIVE_TAG + withIcon.slice(at);
}

/** What the request handler and the watchers share while the server runs. */
interface Site {
  notebooksDir: string;
  pagesDir: string;
  /** Replaced when pipeline.lock changes. */
  catalog: Catalog;
  /** Open /__events streams. */
  clients: Set<ServerResponse>;
  lastRender: Map<string, NotebookRender>;
  /**
   * Run `fn` after every render and catalog load queued before it: one at a time, as they
   * share the cache folder and, for Plot, one server document.
   */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  /** Settles once everything queued so far has. */
  idle(): Promise<unknown>;
  render(name: string): Promise<NotebookRender>;
  /** Tell the open pages of `name` ("*": every page) to reload. */
  broadcast(name: string): void;
  log(line: string): void;
}

function createSite(opts: ServeOptions, catalog: Catalog): Site {
  let queue: Promise<unknown> = Promise.resolve();
  const site: Site = {
    notebooksDir: join(opts.root, "notebooks"),
    pagesDir: join(opts.root, "reports", "notebooks"),
    catalog,
    clients: new Set(),
    lastRender: new Map(),
    serial: <T>(fn: () => Promise<T>): Promise<T> => {
      const p = queue.then(fn, fn);
      queue = p.catch(() => undefined);
      return p;
    },
    idle: () => queue.catch(() => undefined),
    render: (name) =>
      site.serial(async () => {
        const r = await renderNotebook(join(site.notebooksDir, `${name}.md`), site.catalog);
        site.lastRender.set(name, r);
        return r;
      }),
    broadcast: (name) => {
      for (const c of site.clients) c.write(`event: reload\ndata: ${name}\n\n`);
    },
    log: opts.log ?? (() => {}),
  };
  return site;
}

export async function serveNotebooks(opts: ServeOptions): Promise<NotebookServer> {
  const site = createSite(opts, await opts.loadCatalog());
  const server = createServer((req, res) => {
    handle(site, req, res).catch((e: unknown) => {
      site.log(`error: ${(e as Error).message}`);
      if (!res.headersSent)
        send(
          res,
          500,
          "text/html; charset=utf-8",
          `<!doctype html><title>Error</title><pre>${html`${(e as Error).message}`.value}</pre>\n`,
        );
      else res.end();
    });
  });
  const actualPort = await listen(server, opts.port ?? 8765);
  const stopWatching = watchProject(site, opts);

  const url = `http://127.0.0.1:${actualPort}/`;
  return {
    url,
    port: actualPort,
    close: async () => {
      stopWatching();
      for (const c of site.clients) c.end();
      site.clients.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await site.idle();
    },
  };
}

/** Listen on 127.0.0.1; resolves to the port (the one picked when `port` is 0). */
async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      reject(
        e.code === "EADDRINUSE"
          ? new StrataError("ARGUMENT", `port ${port} on 127.0.0.1 is already in use`, {
              hint: `pick another with --port (e.g. --port ${port + 1}), or --port 0 for any free port`,
            })
          : e,
      );
    });
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return (server.address() as { port: number }).port;
}

function notebookNames(notebooksDir: string): string[] {
  return existsSync(notebooksDir)
    ? readdirSync(notebooksDir)
        .filter((f) => f.endsWith(".md"))
        .map(notebookName)
        .filter((n) => NAME.test(n))
        .sort()
    : [];
}

function indexEntries(site: Site): NotebookIndexEntry[] {
  return notebookNames(site.notebooksDir).map((name) => {
    const file = `notebooks/${name}.md`;
    const pagePath = join(site.pagesDir, `${name}.html`);
    const meta = existsSync(pagePath) ? readPageMeta(readFileSync(pagePath, "utf8")) : undefined;
    const title =
      site.lastRender.get(name)?.title ??
      /^ {0,3}#\s+(.+?)\s*#*\s*$/m.exec(readFileSync(join(site.notebooksDir, `${name}.md`), "utf8"))?.[1] ??
      name;
    if (!meta) return { name, title, file, changed: [], unrendered: true };
    const errors = site.lastRender.get(name)?.errors;
    return {
      name,
      title,
      file,
      changed: changedArtifacts(site.catalog, meta),
      ...(errors !== undefined ? { errors } : {}),
    };
  });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
  });
  res.end(body);
}

async function handle(site: Site, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
  if (req.method !== "GET" && req.method !== "HEAD")
    return send(res, 405, "text/plain; charset=utf-8", "method not allowed\n");
  if (path === "/__events") {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    res.write(": connected\n\n");
    site.clients.add(res);
    req.on("close", () => site.clients.delete(res));
    return;
  }
  if (path === "/__live.js") return send(res, 200, "text/javascript; charset=utf-8", LIVE_JS);
  if (path === "/favicon.ico") {
    res.writeHead(204, { "cache-control": "max-age=86400" });
    res.end();
    return;
  }
  if (path === "/" || path === "/index.html" || path === "/notebooks/" || path === "/notebooks/index.html") {
    return send(
      res,
      200,
      "text/html; charset=utf-8",
      withLiveReload(notebookIndexPage(indexEntries(site), { lockHash: site.catalog.lockHash })),
    );
  }
  const m = /^\/notebooks\/([^/]+)\.html$/.exec(path);
  if (m && NAME.test(m[1]) && existsSync(join(site.notebooksDir, `${m[1]}.md`))) {
    const r = await site.render(m[1]);
    return send(res, 200, "text/html; charset=utf-8", withLiveReload(r.html));
  }
  return send(
    res,
    404,
    "text/html; charset=utf-8",
    `<!doctype html><title>Not found</title><p>${html`No page ${path}.`.value} <a href="/">Notebooks</a></p>\n`,
  );
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Re-render a saved notebook and reload its pages; a deleted one reloads every page. */
function rerender(site: Site, name: string): void {
  if (!existsSync(join(site.notebooksDir, `${name}.md`))) {
    site.lastRender.delete(name);
    site.broadcast("*");
    return;
  }
  site
    .render(name)
    .then((r) => {
      site.log(
        `${r.cached ? "cached  " : "rendered"} ${r.file} ${Math.round(r.ms)}ms${r.errors ? ` (${r.errors} failed cell${r.errors === 1 ? "" : "s"})` : ""}`,
      );
      site.broadcast(name);
    })
    .catch((e: unknown) => site.log(`error: ${errText(e)}`));
}

/**
 * Watch notebooks/ (per file, debounced) and the project root for pipeline.lock, which reloads
 * the catalog and re-renders every notebook. Returns the function that stops watching.
 */
function watchProject(site: Site, opts: ServeOptions): () => void {
  const timers = new Map<string, NodeJS.Timeout>();
  const debounce = (key: string, fn: () => void) => {
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        fn();
      }, opts.debounceMs ?? 80),
    );
  };
  const watchers: FSWatcher[] = [];
  if (existsSync(site.notebooksDir)) {
    watchers.push(
      watch(site.notebooksDir, (_event, filename) => {
        const f = filename?.toString();
        if (!f?.endsWith(".md")) return;
        const name = notebookName(f);
        if (NAME.test(name)) debounce(`nb:${name}`, () => rerender(site, name));
      }),
    );
  }
  watchers.push(
    watch(opts.root, (_event, filename) => {
      if (filename?.toString() !== "pipeline.lock") return;
      debounce("lock", () => {
        site
          .serial(async () => {
            site.catalog = await opts.loadCatalog();
          })
          .then(() => {
            site.log("pipeline.lock changed: re-rendering every notebook");
            for (const name of notebookNames(site.notebooksDir)) rerender(site, name);
          })
          .catch((e: unknown) => site.log(`error: ${errText(e)}`));
      });
    }),
  );
  return () => {
    for (const w of watchers) w.close();
    for (const t of timers.values()) clearTimeout(t);
  };
}
