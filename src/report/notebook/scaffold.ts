/** `pipeline notebook new NAME`: a first notebook that runs on whatever the project has produced. */
import { StrataError } from "../../core/errors.ts";
import type { Catalog } from "../catalog.ts";

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/** A notebook name: letters, digits, `-` and `_`, starting with a letter or digit, ≤ 64 characters. */
export function validateNotebookName(name: string): string {
  const n = name.replace(/\.md$/i, "");
  if (!NAME.test(n)) {
    throw new StrataError(
      "ARGUMENT",
      `notebook name '${name}' is not valid: use letters, digits, '-' and '_' (starting with a letter or digit, at ` +
        `most 64 characters)`,
      {
        hint: "e.g. `pipeline notebook new factor-ideas`",
      },
    );
  }
  return n;
}

const fence = "```";

/** The text of a new notebook; its example query uses the first table output of the project, if any. */
export function scaffoldNotebook(name: string, catalog: Catalog): string {
  const table = catalog.cells.flatMap((c) =>
    c.outputs.filter((o) => o.kind === "table" && o.present).map((o) => `${c.id}/${o.name.replace(/\.parquet$/, "")}`),
  )[0];
  const explore = table
    ? `
## A first look at an artifact

Every current stage output is a view: \`"<cell>/<output>"\`, \`<stage>_<output>\` (all cells of a
matrix stage, with the axes as columns), and plain \`<output>\` when the name is unique.

${fence}ts
const sample = await sql\`SELECT * FROM "${table.replaceAll('"', '""')}" LIMIT 10\`;
display(sample);
${fence}
`
    : `
No stage output exists yet: run \`pipeline run\`, then query outputs here with \`sql\`.
`;
  return `# ${name}

Markdown with \`ts\` cells, run top to bottom in one scope: a later cell sees the earlier cells'
declarations. Render with \`pipeline notebook render notebooks/${name}.md\`, or keep
\`pipeline notebook serve\` open and save this file.
${explore}
## Computing and plotting

${fence}ts
// Interpolated values are bound as SQL literals, never spliced as SQL text.
const n = 20;
const curve = await sql\`SELECT range AS x, sqrt(range) AS y FROM range(\${n})\`;
display(\`**\${curve.length}** points, largest y = \${curve.at(-1)?.y.toFixed(3)}\`);
${fence}

${fence}ts
Plot.plot({
  title: "Square root",
  x: { label: "x" },
  y: { label: "√x", grid: true },
  marks: [Plot.line(curve, { x: "x", y: "y" }), Plot.dot(curve, { x: "x", y: "y", r: 2 })],
})
${fence}
`;
}
