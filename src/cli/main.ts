/**
 * `pipeline` command line. Each command imports what it needs lazily, so a no-op
 * `pipeline status` loads neither DuckDB nor any stage module.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { ENGINE_VERSION } from "../pipeline/version.ts";
import { beQuiet, fail } from "./output.ts";

// `pipeline status | head`: when the reader closes the pipe, stop quietly as other Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
}

// Stack traces of a failing stage point at lines of its .ts source (the TypeScript loader
// attaches source maps; Node applies them only when asked).
(process as { setSourceMapsEnabled?: (on: boolean) => void }).setSourceMapsEnabled?.(true);

const program = new Command();
program
  .name("pipeline")
  .description("Strata: reproducible research pipelines for systematic trading")
  .version(ENGINE_VERSION)
  .option("-f, --file <path>", "pipeline file", "pipeline.yaml")
  .option("-q, --quiet", "print nothing but errors (the exit code says the rest)")
  .showHelpAfterError("(run with --help for usage)")
  // Usage errors (unknown option, bad argument) exit 2; --help and --version exit 0.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program.hook("preAction", (_program, action) => {
  const o = action.opts() as { quiet?: boolean; json?: boolean };
  if (program.opts().quiet || o.quiet) beQuiet(!!o.json);
});

const jsonOpt = () => new Option("--json", "machine-readable output on stdout");

program
  .command("run")
  .description("run the stale stages (and restore cached ones); targets: stage or stage[axis=value,...]")
  .argument("[targets...]", "stages or cells to bring up to date (with their upstream)")
  .option("--force", "re-execute the targets even when fresh")
  .option("--dry-run", "print the plan and exit")
  .option("-j, --jobs <n>", "cells run at once (default: CPU count)", (v) => parsePositive(v, "--jobs"))
  .option("--keep-going", "after a failure, finish every independent cell (default: start nothing new)")
  .option("--remote <url>", "remote cache: file:///folder or s3://bucket/prefix (default: pipeline.yaml's remote)")
  .option("--no-pull", "with a remote: never fetch a cell's run from it (compute instead)")
  .option("--no-push", "with a remote: do not send computed cells to it")
  .option("--executor <url>", "local, or redis://host:port/db[?queue=name]: run cells on `pipeline worker`s")
  .addOption(jsonOpt())
  .action(async (targets: string[], o) =>
    (await import("./commands/run.ts")).runCommand(targets, { ...o, file: program.opts().file }),
  );

program
  .command("worker")
  .description("execute the cells a `pipeline run --executor redis://…` enqueues (same checkout as the coordinator)")
  .option("--executor <url>", "redis://host:port/db[?queue=name] (default: pipeline.yaml's executor)")
  .option("--remote <url>", "this machine's URL of the shared remote cache (default: the coordinator's)")
  .option("-c, --concurrency <n>", "cells executed at once (default 1)", (v) => parsePositive(v, "--concurrency"))
  .addOption(jsonOpt())
  .action(async (o) => (await import("./commands/worker.ts")).workerCommand({ ...o, file: program.opts().file }));

program
  .command("worker-child", { hidden: true })
  .requiredOption("--name <name>")
  .option("--remote <url>")
  .action(async (o) => (await import("../pipeline/worker.ts")).workerChildMain({ ...o, file: program.opts().file }));

program
  .command("status")
  .description("what is stale and why, what would be restored from the run-cache")
  .argument("[targets...]")
  .option("--checksum", "re-hash every output and source file (trust no file-system timestamp)")
  .option("--remote <url>", "also consult this remote cache (default: pipeline.yaml's remote)")
  .option("--no-remote", "consult the local cache only")
  .option("--exit-code", "exit 1 when any cell is stale (for scripts: is the study fresh?)")
  .addOption(jsonOpt())
  .action(async (targets: string[], o) =>
    (await import("./commands/status.ts")).statusCommand(targets, { ...o, file: program.opts().file }),
  );

program
  .command("dag")
  .description("print the stage graph")
  .option("--mermaid", "Mermaid flowchart instead of text")
  .option("--cells", "show every matrix cell")
  .addOption(jsonOpt())
  .action(async (o) => (await import("./commands/dag.ts")).dagCommand({ ...o, file: program.opts().file }));

program
  .command("verify")
  .description("re-execute cells in a temp folder and prove their outputs are byte-identical to the lock")
  .argument("[targets...]")
  .addOption(jsonOpt())
  .action(async (targets: string[], o) =>
    (await import("./commands/verify.ts")).verifyCommand(targets, { ...o, file: program.opts().file }),
  );

for (const direction of ["push", "pull"] as const) {
  program
    .command(direction)
    .description(
      direction === "push"
        ? "send the selected cells' outputs and run records to the remote cache (default: every cell of the lock)"
        : "fetch the selected cells' outputs and run records from the remote cache, each checked before use",
    )
    .argument("[targets...]", "stages or cells (default: every cell of the lock)")
    .option("--remote <url>", "file:///folder or s3://bucket/prefix (default: pipeline.yaml's remote)")
    .option("-q, --quiet", "print nothing but errors")
    .addOption(jsonOpt())
    .action(async (targets: string[], o) =>
      (await import("./commands/sync.ts")).syncCommand(direction, targets, { ...o, file: program.opts().file }),
    );
}

program
  .command("gc")
  .description("delete cache objects and run records the lock does not reference")
  .option("--dry-run", "list what would be deleted")
  .option("--keep-runs", "keep the run-cache (so reverting params still restores instantly)")
  .addOption(jsonOpt())
  .action(async (o) => (await import("./commands/gc.ts")).gcCommand({ ...o, file: program.opts().file }));

const exp = program
  .command("exp")
  .description("experiments: runs with param overrides in isolated workspaces sharing the cache");
exp
  .command("run")
  .description("run the pipeline with overrides in .pipeline/exp/NAME (the main lock and outputs are untouched)")
  .argument("[targets...]", "stages or cells to bring up to date (default: everything)")
  .option("-S, --set <stage.params.key=value...>", "param override; repeatable; the value is YAML")
  .option("--name <name>", "experiment name (default exp-N)")
  .option("-j, --jobs <n>", "cells run at once (default: CPU count)", (v) => parsePositive(v, "--jobs"))
  .addOption(jsonOpt())
  .action(async (targets: string[], o) =>
    (await import("./commands/exp.ts")).expRunCommand(targets, { ...o, file: program.opts().file }),
  );
exp
  .command("show")
  .description("experiments × changed params and key metrics (columns that never change are hidden)")
  .addOption(jsonOpt())
  .action(async (o) => (await import("./commands/exp.ts")).expShowCommand({ ...o, file: program.opts().file }));
exp
  .command("apply")
  .description("write an experiment's params back into pipeline.yaml (comments kept)")
  .argument("<name>")
  .addOption(jsonOpt())
  .action(async (name: string, o) =>
    (await import("./commands/exp.ts")).expApplyCommand(name, { ...o, file: program.opts().file }),
  );

exp
  .command("diff")
  .description("params and metrics that differ between two experiments (`main`: the study itself)")
  .argument("<a>")
  .argument("<b>")
  .option("--all", "list unchanged metrics too")
  .addOption(jsonOpt())
  .action(async (a: string, b: string, o) =>
    (await import("./commands/metrics.ts")).expDiffCommand(a, b, { ...o, file: program.opts().file }),
  );

const metrics = program.command("metrics").description("recorded metrics: show them, or diff two revisions");
metrics
  .command("show")
  .description("every recorded metric of the selected cells (default: all)")
  .argument("[targets...]")
  .addOption(jsonOpt())
  .action(async (targets: string[], o) =>
    (await import("./commands/metrics.ts")).metricsShowCommand(targets, { ...o, file: program.opts().file }),
  );
metrics
  .command("diff")
  .description("metrics that differ between two git revisions (default: HEAD vs the working tree, `workspace`)")
  .argument("[revs...]", "REV_A [REV_B]")
  .option("--all", "list unchanged metrics too")
  .addOption(jsonOpt())
  .action(async (revs: string[], o) =>
    (await import("./commands/metrics.ts")).lockDiffCommand("metrics", revs, { ...o, file: program.opts().file }),
  );
program
  .command("params")
  .description("recorded params")
  .command("diff")
  .description("params that differ between two git revisions (default: HEAD vs the working tree), by stage")
  .argument("[revs...]", "REV_A [REV_B]")
  .addOption(jsonOpt())
  .action(async (revs: string[], o) =>
    (await import("./commands/metrics.ts")).lockDiffCommand("params", revs, { ...o, file: program.opts().file }),
  );

program
  .command("log")
  .description(
    "the run log: when each run of this pipeline file happened, where, and how long it and each executed cell took",
  )
  .option("-n, --limit <n>", "runs shown, newest first (default 10)", (v) => parsePositive(v, "--limit"))
  .option("--cells", "also list restored cells")
  .addOption(jsonOpt())
  .action(async (o) => (await import("./commands/log.ts")).logCommand({ ...o, file: program.opts().file }));

program
  .command("trials")
  .description(
    "the trial registry: every configuration evaluated (backtest cells of every run and experiment), once each",
  )
  .option("--stage <name>", "only the trials of this stage")
  .addOption(jsonOpt())
  .action(async (o) => (await import("./commands/trials.ts")).trialsCommand({ ...o, file: program.opts().file }));

program
  .command("tearsheet")
  .description("performance metrics of a return series (CSV or Parquet with a date column and a returns column)")
  .argument("<file>")
  .option("--column <name>", "returns column (default: the only numeric column besides the date)")
  .option("--benchmark <file[:column]>", "benchmark returns, for alpha and beta")
  .option("--periods-per-year <n>", "annualization factor (default 252)", (v) => parsePositive(v, "--periods-per-year"))
  .option("--risk-free <rate>", "ANNUAL risk-free rate as a decimal, e.g. 0.02 (default 0)", (v) =>
    parseNumber(v, "--risk-free"),
  )
  .option("--html <out>", "also write a static HTML table")
  .option(
    "--percent",
    "the returns are percentages (1.5 = 1.5 %): divide by 100 (without it, percent-looking returns are refused)",
  )
  .addOption(jsonOpt())
  .action(async (file: string, o) => (await import("./commands/tearsheet.ts")).tearsheetCommand(file, o));

program
  .command("optimize")
  .description(
    "portfolio weights from a wide price table (a date column, one column per asset); defaults follow PyPortfolioOpt",
  )
  .argument("<file>")
  .addOption(
    new Option("--method <name>", "optimizer")
      .choices(["equal_weight", "inverse_vol", "min_variance", "max_sharpe", "hrp", "kelly", "risk_parity"])
      .makeOptionMandatory(),
  )
  .addOption(
    new Option("--cov <estimator>", "covariance estimator").choices(["sample", "ledoit_wolf"]).default("sample"),
  )
  .addOption(
    new Option("--mu <estimator>", "expected returns").choices(["geometric", "arithmetic"]).default("geometric"),
  )
  .addOption(
    new Option("--linkage <method>", "HRP linkage")
      .choices(["single", "complete", "average", "ward"])
      .default("single"),
  )
  .option("--max-weight <w>", "per-position cap as a decimal, e.g. 0.1", (v) => parseNumber(v, "--max-weight"))
  .option("--long-short", "allow short positions (default long-only)")
  .option("--risk-free <rate>", "annual risk-free rate as a decimal (default 0)", (v) => parseNumber(v, "--risk-free"))
  .addOption(jsonOpt())
  .action(async (file: string, o) => (await import("./commands/optimize.ts")).optimizeCommand(file, o));

program
  .command("dsr")
  .description(
    "probabilistic and deflated Sharpe ratio, expected max Sharpe of N trials, min track record length (annualized " +
      "inputs)",
  )
  .requiredOption("--sharpe <S>", "annualized Sharpe ratio of the selected strategy", (v) => parseNumber(v, "--sharpe"))
  .requiredOption("--observations <T>", "number of return observations", (v) => parsePositive(v, "--observations"))
  .option("--skew <G3>", "skewness of the returns (default 0)", (v) => parseNumber(v, "--skew"))
  .option("--kurtosis <G4>", "RAW kurtosis of the returns, 3 for a normal (default 3)", (v) =>
    parseNumber(v, "--kurtosis"),
  )
  .option("--trials <N>", "number of independent trials (with --sharpe-variance: the DSR)", (v) =>
    parsePositive(v, "--trials"),
  )
  .option("--sharpe-variance <V>", "variance of the trials' annualized Sharpe ratios (with --trials: the DSR)", (v) =>
    parseNumber(v, "--sharpe-variance"),
  )
  .option("--periods-per-year <A>", "periods per year (default 252)", (v) => parsePositive(v, "--periods-per-year"))
  .addOption(jsonOpt())
  .action(async (o) => (await import("./commands/dsr.ts")).dsrCommand(o));

program
  .command("report")
  .description(
    "write the static report site (overview, data, features, models, backtests, statistics, selection) into reports/",
  )
  .option("--out <dir>", "output folder (default: reports/ in the project)")
  .addOption(jsonOpt())
  .action(async (o) => (await import("./commands/report.ts")).reportCommand({ ...o, file: program.opts().file }));

const data = program.command("data").description("data utilities");
data
  .command("validate")
  .description("check a prices file (CSV or Parquet; long, or wide: one column per symbol) and report problems by row")
  .argument("<file>")
  .option("--columns <mapping>", "column mapping, e.g. date=Date,symbol=Ticker,close=Adj Close")
  .option("--date-format <strptime>", "date format when not ISO, e.g. %d/%m/%Y")
  .addOption(
    new Option("--format <layout>", "long (a symbol column) or wide (a date column, one column per symbol)")
      .choices(["auto", "long", "wide"])
      .default("auto"),
  )
  .option("--max-price <p>", "prices above this are errors (default 1e9)", (v) => parseNumber(v, "--max-price"))
  .option("--max-daily-move <r>", "warn on one-bar moves above this fraction (default 1 = 100 %)", (v) =>
    parseNumber(v, "--max-daily-move"),
  )
  .addOption(jsonOpt())
  .action(async (file: string, o) => (await import("./commands/data-validate.ts")).dataValidateCommand(file, o));

data
  .command("update")
  .description(
    "add new trading days to the study's data: extend a synthetic market (--days N) or append a drop to the prices " +
      "file (--from FILE)",
  )
  .option("--from <file>", "CSV or Parquet with the new rows, same columns as the prices file")
  .option("--days <n>", "synthetic source: weekdays to add (default 1)", (v) => parseNumber(v, "--days"))
  .option("--restate", "correct recorded days the drop differs on (the stages reading them rerun in full)")
  .option("--stage <name>", "the data stage to update (default: the one stage using stages/data.ts)")
  .addOption(jsonOpt())
  .action(async (o) =>
    (await import("./commands/data-update.ts")).dataUpdateCommand({ ...o, file: program.opts().file }),
  );

const audit = program.command("audit").description("audits of the project's outputs");
audit
  .command("leakage")
  .description("perturb prices after a cutoff, re-execute down to STAGE, and prove no output dated ≤ cutoff changed")
  .argument("[stage]", "stage to audit", "features")
  .option("--cutoff <date>", "YYYY-MM-DD (default: 70% of the prices' date range)")
  .option("--seed <n>", "noise seed (default 1)")
  .option("--allow <stages...>", "stages (or stage/output) allowed to look ahead, e.g. labels")
  .addOption(jsonOpt())
  .action(async (stage: string, o) =>
    (await import("./commands/audit.ts")).auditLeakageCommand(stage, { ...o, file: program.opts().file }),
  );

const notebook = program
  .command("notebook")
  .description("notebooks: Markdown with ts cells over the project's artifacts, rendered to HTML");
notebook
  .command("render")
  .description(
    "run notebooks (default: every notebooks/*.md) → reports/notebooks/*.html; unchanged cells come from the cache",
  )
  .argument("[files...]", "notebook files")
  .addOption(jsonOpt())
  .action(async (files: string[], o) =>
    (await import("./commands/notebook.ts")).notebookRenderCommand(files, { ...o, file: program.opts().file }),
  );
notebook
  .command("new")
  .description("create notebooks/NAME.md from a working example")
  .argument("<name>")
  .addOption(jsonOpt())
  .action(async (name: string, o) =>
    (await import("./commands/notebook.ts")).notebookNewCommand(name, { ...o, file: program.opts().file }),
  );
notebook
  .command("serve")
  .description("serve the notebooks on 127.0.0.1 with live reload when a notebook or pipeline.lock changes")
  .option("--port <n>", "TCP port (0: any free port)", (v) => parsePort(v), 8765)
  .option("--no-open", "do not open a browser")
  .action(async (o) =>
    (await import("./commands/notebook.ts")).notebookServeCommand({ ...o, file: program.opts().file }),
  );

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`--port must be an integer from 0 to 65535, got '${v}'`);
  return n;
}

const models = program
  .command("models")
  .description("the model registry: champion versions, their lineage and aliases (pipeline.models.jsonl)");
models
  .command("list")
  .description("registered versions with their aliases, when and by whom, cell and key metrics")
  .addOption(jsonOpt())
  .action(async (o) => (await import("./commands/models.ts")).modelsListCommand({ ...o, file: program.opts().file }));
program
  .command("attribution")
  .description("a backtest cell's return by symbol, sector (Brinson vs 1/N), year, regime, and its factor exposures")
  .argument(
    "<cell>",
    "the cell id (backtest[model=ridge,optimizer=hrp]), its axes (model=ridge,optimizer=hrp), or paper (the ledger)",
  )
  .option("--ledger <path>", "paper: the ledger (default data/paper/ledger.duckdb)")
  .option("--prices <path>", "paper: the prices (default data/data/prices.parquet)")
  .addOption(jsonOpt())
  .action(async (cell: string, o) =>
    (await import("./commands/attribution.ts")).attributionCommand(cell, { ...o, file: program.opts().file }),
  );
models
  .command("show")
  .description("a version's full lineage: lock digest, git commit, data range, params, metrics, artifact, history")
  .argument("<ref>", "version (3 or v3) or alias (champion, challenger, …)")
  .addOption(jsonOpt())
  .action(async (ref: string, o) =>
    (await import("./commands/models.ts")).modelsShowCommand(ref, { ...o, file: program.opts().file }),
  );
models
  .command("register")
  .description("register the current champion output (the first model is champion, a later new one challenger)")
  .option("--exp <name>", "register an experiment's champion output instead (pipeline exp run --name NAME)")
  .option("--why <text>", "the reason, recorded with the alias event")
  .addOption(jsonOpt())
  .action(async (o) =>
    (await import("./commands/models.ts")).modelsRegisterCommand({ ...o, file: program.opts().file }),
  );
models
  .command("promote")
  .description("point an alias at a version (recorded with who and why)")
  .argument("<ref>", "version (3 or v3) or alias")
  .requiredOption("--as <alias>", "alias to set: champion, challenger or a name [a-z][a-z0-9_-]*")
  .option("--why <text>", "the reason, recorded with the event")
  .addOption(jsonOpt())
  .action(async (ref: string, o) =>
    (await import("./commands/models.ts")).modelsPromoteCommand(ref, { ...o, file: program.opts().file }),
  );
models
  .command("rollback")
  .description("return an alias to the version it pointed at before (recorded with who and why)")
  .argument("[alias]", "alias to roll back", "champion")
  .option("--why <text>", "the reason, recorded with the event")
  .addOption(jsonOpt())
  .action(async (alias: string, o) =>
    (await import("./commands/models.ts")).modelsRollbackCommand(alias, { ...o, file: program.opts().file }),
  );

const paper = program
  .command("paper")
  .description("paper trading: the daily cycle against the champion, its ledger and reports");
const paperOpts = (c: Command) =>
  c
    .option("--ledger <path>", "ledger file (default data/paper/ledger.duckdb)")
    .option("--prices <path>", "prices Parquet (default data/data/prices.parquet)")
    .option("--features <path>", "features Parquet (default data/features/features.parquet)")
    .option("--champion <dir>", "champion folder (default data/champion)")
    .option("--config <file>", "paper settings, YAML or JSON (docs/paper-trading.md)")
    .option("--alerts <dir>", "alert channel folder (default data/paper/alerts)")
    .addOption(jsonOpt());
paperOpts(
  paper
    .command("run")
    .description("run the daily cycle for a trade date (default today), or every business day from --from to --to")
    .option("--date <date>", "trade date YYYY-MM-DD")
    .option("--from <date>", "first trade date of a period")
    .option("--to <date>", "last trade date of a period")
    .option("--dry-run", "decide and report, place no order, record nothing")
    .option("--reports <dir>", "report folder (default reports/paper)")
    .option("--capital <n>", "starting cash of a new ledger", (v) => parseNumber(v, "--capital"))
    .addOption(new Option("--fill <price>", "fill at the trade day's open or close").choices(["open", "close"]))
    .option(
      "--broker <kind>",
      "who fills the orders, overriding broker.kind: sim (simulated, on the trade day's bar; the default) or " +
        "alpaca (Alpaca's paper API, keys from APCA_API_KEY_ID / APCA_API_SECRET_KEY; docs/brokers.md)",
    )
    .addOption(
      new Option(
        "--scores <source>",
        "model (features → model.json) or predictions (the champion's backtested scores)",
      ).choices(["model", "predictions"]),
    ),
).action(async (o) => (await import("./commands/paper.ts")).paperRunCommand({ ...o, file: program.opts().file }));
paperOpts(
  paper
    .command("status")
    .description("positions, equity, kill-switch state and the last events of the ledger")
    .option("--events <n>", "events shown (default 10)", (v) => parsePositive(v, "--events")),
).action(async (o) => (await import("./commands/paper.ts")).paperStatusCommand({ ...o, file: program.opts().file }));
paperOpts(
  paper
    .command("resume")
    .description("lift a kill-switch halt (recorded as an event)")
    .option("--reason <text>", "why trading resumes"),
).action(async (o) => (await import("./commands/paper.ts")).paperResumeCommand({ ...o, file: program.opts().file }));

const monitor = program
  .command("monitor")
  .description("monitoring of the paper book: Prometheus metrics, health check, alert delivery");
const monitorOpts = (c: Command) =>
  c
    .option("--ledger <path>", "paper ledger (default data/paper/ledger.duckdb)")
    .option("--alerts-dir <dir>", "alerts folder: alerts.jsonl and the retry queue (default data/paper/alerts)")
    .option("--webhook-env <name>", "environment variable holding the webhook URL (default STRATA_ALERT_WEBHOOK)")
    .addOption(jsonOpt());
monitorOpts(
  monitor
    .command("serve")
    .description("serve Prometheus metrics of the paper ledger at http://127.0.0.1:PORT/metrics")
    .option("--port <port>", "TCP port, 0 for any free one (default 9464)", parsePort),
).action(async (o) => (await import("./commands/monitor.ts")).monitorServeCommand({ ...o, file: program.opts().file }));
monitorOpts(
  monitor
    .command("check")
    .description("health of the paper book: ledger present, kill switch off, last run recent; exit 1 otherwise")
    .option("--date <date>", "as of YYYY-MM-DD (default today, UTC)")
    .option("--max-run-age <days>", "trading days the last successful run may lag (default 1)", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0)
        throw new InvalidArgumentError(`--max-run-age must be an integer ≥ 0, got '${v}'`);
      return n;
    })
    .option("--alert", "also send the findings through the alert channels"),
).action(async (o) => (await import("./commands/monitor.ts")).monitorCheckCommand({ ...o, file: program.opts().file }));
const monitorAlerts = monitor.command("alerts").description("alert channels");
monitorOpts(
  monitorAlerts.command("flush").description("retry webhook deliveries still pending; exit 1 while some remain"),
).action(async (o) =>
  (await import("./commands/monitor.ts")).monitorAlertsFlushCommand({ ...o, file: program.opts().file }),
);

function parseNumber(v: string, flag: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} must be a number, got '${v}'`);
  return n;
}

function parsePositive(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a positive integer, got '${v}'`);
  return n;
}

program
  .command("completion")
  .description(
    "print a shell completion script: pipeline completion bash > ~/.local/share/bash-completion/completions/pipeline",
  )
  .argument("<shell>", "bash, zsh or fish")
  .action(async (shell: string) => {
    process.stdout.write((await import("./completion.ts")).completionScript(program, shell));
  });

program.parseAsync(process.argv).catch(fail);
