/**
 * Run progress for humans. On a TTY: a live block listing the running cells with elapsed time
 * and progress, logs scrolling above it. Otherwise (CI, pipes): one plain line per event.
 */
import type { Cell } from "../pipeline/types.ts";
import type { CellResult, Reporter } from "../pipeline/runner.ts";
import { color, fmtSeconds, isQuiet } from "./output.ts";

interface Running {
  action: string;
  started: number;
  fraction?: number;
  note?: string;
}

const STATUS_MARK: Record<CellResult["status"], string> = {
  fresh: "·",
  restored: "↺",
  ran: "✓",
  failed: "✗",
  skipped: "-",
  cancelled: "!",
};

/** A running cell in the live block: action, id, elapsed time, progress and note. */
function runningLine(id: string, r: Running, now: number): string {
  const pct = r.fraction !== undefined ? ` ${Math.round(r.fraction * 100)}%` : "";
  const note = r.note ? color.dim(` ${r.note}`) : "";
  return `${color.blue("⟳")} ${r.action} ${id} ${color.dim(fmtSeconds((now - r.started) / 1000))}${pct}${note}`;
}

/** A finished cell: its status mark and name, the time it took, and why when it did not run. */
function finishLine(cell: Cell, r: CellResult): string {
  const mark = STATUS_MARK[r.status];
  const painted =
    r.status === "failed"
      ? color.red(mark)
      : r.status === "ran" || r.status === "restored"
        ? color.green(mark)
        : color.yellow(mark);
  const time = r.duration_s > 0 ? color.dim(` ${fmtSeconds(r.duration_s)}`) : "";
  const why = r.status === "skipped" || r.status === "cancelled" ? color.dim(` (${r.cause})`) : "";
  return `${painted} ${r.status} ${cell.id}${time}${why}`;
}

export function createReporter(opts: {
  live: boolean;
  quiet?: boolean;
  out?: NodeJS.WriteStream;
}): Reporter & { close(): void } {
  const out = opts.out ?? process.stderr;
  const running = new Map<string, Running>();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;

  const clear = () => {
    if (!opts.live || drawn === 0) return;
    out.write(`\x1b[${drawn}A\x1b[0J`);
    drawn = 0;
  };
  const draw = () => {
    if (!opts.live) return;
    clear();
    const now = performance.now();
    const lines = [...running.entries()].map(([id, r]) => runningLine(id, r, now));
    if (lines.length) out.write(lines.join("\n") + "\n");
    drawn = lines.length;
  };
  const quiet = opts.quiet ?? isQuiet();
  /** `important`: a failure, shown even with --quiet. */
  const line = (s: string, important = false) => {
    if (quiet && !important) return;
    clear();
    out.write(s + "\n");
    draw();
  };
  if (opts.live) {
    timer = setInterval(draw, 200);
    timer.unref();
  }

  return {
    start(cell: Cell, action, cause) {
      running.set(cell.id, { action, started: performance.now() });
      if (!opts.live) line(`${action === "run" ? "▶ run" : "↺ restore"} ${cell.id} ${color.dim(`(${cause})`)}`);
      else draw();
    },
    log(cell, message) {
      line(`${color.dim(`  ${cell.id}:`)} ${message}`);
    },
    progress(cell, fraction, note) {
      const r = running.get(cell.id);
      if (r) {
        r.fraction = fraction;
        r.note = note;
      }
    },
    finish(cell, r) {
      running.delete(cell.id);
      if (r.status === "fresh") {
        draw();
        return;
      }
      const failed = r.status === "failed";
      line(finishLine(cell, r), failed);
      if (r.error) line(color.red(r.error.replace(/^/gm, "    ")), failed);
      for (const at of r.where ?? []) line(color.dim(`      at ${at}`), failed);
    },
    warn(message) {
      line(`${color.yellow("warning")}: ${message}`);
    },
    cellWarning(cell, message) {
      line(`${color.yellow("warning")} ${cell.id}: ${message}`);
    },
    close() {
      if (timer) clearInterval(timer);
      clear();
    },
  };
}
