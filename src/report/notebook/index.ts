/** Notebooks: Markdown with ts cells, run in one scope over the project's artifacts, rendered to HTML. */
export { parseNotebook, type CodeCell, type MarkdownBlock, type NotebookBlock, type ParsedNotebook } from "./parse.ts";
export { compileCell, type CompiledCell, type CompileResult } from "./compile.ts";
export { NotebookData, viewDefinitions, sqlLiteral, plainValue, type ArtifactRead } from "./data.ts";
export { renderValue, DISPLAY_MAX_ROWS } from "./display.ts";
export { executeCells, type CellRun, type CellError, type ExecuteOptions } from "./runtime.ts";
export { CellCache, NOTEBOOK_CACHE_VERSION } from "./cache.ts";
export { renderNotebook, notebookName, type RenderOptions, type NotebookRender, type CellSummary } from "./render.ts";
export {
  markStale,
  markPage,
  changedArtifacts,
  readPageMeta,
  type StaleStatus,
  type ChangedArtifact,
  type PageMeta,
} from "./stale.ts";
export { notebookIndexPage, type NotebookIndexEntry } from "./index-page.ts";
export { scaffoldNotebook, validateNotebookName } from "./scaffold.ts";
export { serveNotebooks, type ServeOptions, type NotebookServer } from "./server.ts";
