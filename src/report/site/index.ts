/** The static report site: pages per stage output, built from the catalog. */
export {
  buildSite,
  renderSite,
  pageAvailable,
  renumberPlotIds,
  type BuildSiteOptions,
  type RenderSiteOptions,
  type SiteResult,
} from "./build.ts";
export { SubpageCache } from "./subpage-cache.ts";
export { SITE_PAGES } from "./registry.ts";
export { dagLayers, dagSvg } from "./dag.ts";
export { catalogFromInputs, inputsDigest, type InputArtifact } from "./inputs-catalog.ts";
export type { BuiltPage, PageBuilder, Provenance, SiteContext } from "./types.ts";
