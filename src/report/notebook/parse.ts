/**
 * Notebook format: Markdown with fenced ```ts cells. Every other fence (```sql, ```js, a bare
 * ```) is an ordinary code block shown as written. Lines are 1-based, as an editor shows them.
 */

export interface MarkdownBlock {
  kind: "markdown";
  text: string;
  /** Line of the block's first line in the .md file. */
  line: number;
}

export interface CodeCell {
  kind: "cell";
  /** 1-based position among the notebook's cells. */
  index: number;
  /** The cell's source (TypeScript), without the fences. */
  code: string;
  /** Line of the code's first line in the .md file (the line after the opening fence). */
  line: number;
}

export type NotebookBlock = MarkdownBlock | CodeCell;

export interface ParsedNotebook {
  /** Text of the first `# heading`, if any. */
  title: string | undefined;
  blocks: NotebookBlock[];
  cells: CodeCell[];
}

const OPEN = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const CELL_LANGS = new Set(["ts", "typescript"]);

/** Split a notebook into Markdown blocks and ts cells, with the .md line of each. */
export function parseNotebook(text: string): ParsedNotebook {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const blocks: NotebookBlock[] = [];
  const cells: CodeCell[] = [];
  let md: string[] = [];
  let mdStart = 1;
  const flushMarkdown = () => {
    if (md.some((l) => l.trim() !== "")) blocks.push({ kind: "markdown", text: md.join("\n"), line: mdStart });
    md = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN.exec(lines[i]);
    if (open && CELL_LANGS.has(open[3].toLowerCase())) {
      // A ts cell: collect until a closing fence of the same character, at least as long.
      const fence = open[2];
      const close = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
      let j = i + 1;
      while (j < lines.length && !close.test(lines[j])) j++;
      flushMarkdown();
      const cell: CodeCell = {
        kind: "cell",
        index: cells.length + 1,
        code: lines.slice(i + 1, j).join("\n"),
        line: i + 2,
      };
      cells.push(cell);
      blocks.push(cell);
      i = j; // past the closing fence (or the end of the file for an unclosed fence)
      mdStart = j + 2;
      continue;
    }
    if (open) {
      // Another fence: copy it into the Markdown verbatim, so its content is never read as a cell.
      const fence = open[2];
      const close = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
      if (md.length === 0) mdStart = i + 1;
      md.push(lines[i]);
      let j = i + 1;
      while (j < lines.length && !close.test(lines[j])) md.push(lines[j++]);
      if (j < lines.length) md.push(lines[j]);
      i = j;
      continue;
    }
    if (md.length === 0) mdStart = i + 1;
    md.push(lines[i]);
  }
  flushMarkdown();
  let title: string | undefined;
  for (const b of blocks) {
    if (b.kind !== "markdown") continue;
    const h = /^ {0,3}#\s+(.+?)\s*#*\s*$/m.exec(stripFences(b.text));
    if (h) {
      title = h[1];
      break;
    }
  }
  return { title, blocks, cells };
}

function stripFences(text: string): string {
  return text.replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?(^ {0,3}\1[^\n]*$|(?![\s\S]))/gm, "");
}
