/**
 * Subpages — a builder's pages outside the navigation, one tearsheet per series — as jobs of
 * plain data, each drawn by a pure function of its job. A subpage's tables' downloads are named
 * after it (`data/<subpage stem>-<n>`), never after the order the pages are drawn in, and
 * Plot's process-wide ids are renumbered per page: each subpage's bytes depend on its job alone.
 */
import { collectDownloadsSync, DownloadSink } from "../downloads.ts";
import type { SafeHtml } from "../html.ts";
import { framePage, type PageFrame } from "./site-page.ts";
import { tearsheetBody, type TearsheetInput } from "./tearsheet-body.ts";
import type { BuiltPage } from "./types.ts";

/** What draws each kind of job's body. */
const DRAW = {
  tearsheet: (input: TearsheetInput): SafeHtml => tearsheetBody(input),
} as const;

/** One subpage: its file (`<builder stem>-<name>.html`), its title, and the input of its kind's drawing. */
export type SubpageJob = { file: string; title: string } & { kind: "tearsheet"; input: TearsheetInput };

/**
 * The subpage as a complete page, its tables' full data attached for downloads; `parent` is its
 * builder's page, marked current in the navigation.
 */
export function renderSubpage(job: SubpageJob, frame: PageFrame, parent: string): BuiltPage {
  const sink = new DownloadSink(job.file.replace(/\.html$/, ""));
  const body = collectDownloadsSync(sink, () => DRAW[job.kind](job.input));
  const built = framePage(frame, job.file, job.title, body, parent);
  if (sink.tables.length) built.downloads = sink.tables;
  return built;
}
