/**
 * Subpages — a builder's pages outside the navigation, one tearsheet per series — as jobs of
 * plain data, each drawn by a pure function of its job. A subpage's tables' downloads are named
 * after it (`data/<subpage stem>-<n>`), never after the order the pages are drawn in, and
 * Plot's process-wide ids are renumbered per page: each subpage's bytes depend on its job alone.
 */
import { collectDownloadsSync, DownloadSink, prepareTable } from "../downloads.ts";
import { raw, type SafeHtml } from "../html.ts";
import type { DrawnSubpage, SubpageCache } from "./subpage-cache.ts";
import { framePage, type PageFrame } from "./site-page.ts";
import { tearsheetBody, type TearsheetInput } from "./tearsheet-body.ts";
import type { BuiltPage } from "./types.ts";

/** What draws each kind of job's body. */
const DRAW = {
  tearsheet: (input: TearsheetInput): SafeHtml => tearsheetBody(input),
} as const;

/** One subpage: its file (`<builder stem>-<name>.html`), its title, and the input of its kind's drawing. */
export type SubpageJob = { file: string; title: string } & { kind: "tearsheet"; input: TearsheetInput };

/** Draw the job: its body's HTML and its tables, their CSV made now. */
function draw(job: SubpageJob): DrawnSubpage {
  const sink = new DownloadSink(job.file.replace(/\.html$/, ""));
  const body = collectDownloadsSync(sink, () => DRAW[job.kind](job.input));
  return { body: body.value, tables: sink.tables.map(prepareTable) };
}

/**
 * The subpage as a complete page, its tables' full data attached for downloads; `parent` is its
 * builder's page, marked current in the navigation. With a cache, a job drawn by a previous
 * build of the same code is read back instead (`reused`).
 */
export function renderSubpage(
  job: SubpageJob,
  frame: PageFrame,
  parent: string,
  cache?: SubpageCache | null,
): BuiltPage {
  const drawn = cache ? cache.drawn(job, () => draw(job)) : { ...draw(job), reused: false };
  const built = framePage(frame, job.file, job.title, raw(drawn.body), parent);
  if (drawn.tables.length) built.downloads = drawn.tables;
  if (drawn.reused) built.reused = true;
  return built;
}
