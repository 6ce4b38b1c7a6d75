import { writeFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import type { RuntimeContext } from "../context/runtime-context";
import { selection, type SelectTerm } from "../runner/selection";
import { buildReport } from "../report/report-data";
import { renderHtml } from "../report/report-html";
import { renderMarkdown } from "../report/report-markdown";
import { selectOption } from "./blast-radius-options";
import { parseAt, parseTolerance, TOLERANCE_RANGE } from "./runner-commands";
import { jsonText, type Output } from "./output";

/**
 * `managed-secrets report`: what `check` knows, for people (one HTML page
 * that works offline) and for CI comments (Markdown) or tools (JSON).
 * Reads the store only: no login, no cloud call beyond listing.
 */

const REPORT_FORMATS = ["html", "json", "markdown"] as const;

interface ReportFlags {
  format: (typeof REPORT_FORMATS)[number];
  output?: string;
  at?: Date;
  tolerance?: number;
  prefix?: string;
  select?: SelectTerm[];
}

export function registerReportCommand(program: Command, io: { out: Output; context: () => RuntimeContext }): void {
  program
    .command("report")
    .description("every secret's target, last and next rotation and state (failing, overdue, pending deletion), deletions in their recovery window, and rotations per host; one self-contained HTML page by default")
    .addOption(new Option("--format <format>", "html (one self-contained page), markdown (for a CI comment) or json").choices([...REPORT_FORMATS]).default("html"))
    .option("--output <file>", "write the report to this file instead of stdout")
    .option("--at <time>", "judge as of this ISO time", parseAt)
    .option("--tolerance <interval>", `how late a due rotation may be before it is overdue (${TOLERANCE_RANGE.text}, default 1h)`, parseTolerance)
    .option("--prefix <prefix>", "only secrets whose names start with this")
    .addOption(selectOption())
    .action(async (flags: ReportFlags) => {
      const ctx = io.context();
      const secrets = (await ctx.store.listSecrets({ prefix: flags.prefix, includePendingDeletion: true })).filter(selection(flags.select, ctx.targets));
      const data = await buildReport(secrets, ctx.targets, flags.at ?? ctx.clock(), flags.tolerance);
      const text = flags.format === "html" ? renderHtml(data) : flags.format === "markdown" ? renderMarkdown(data) : jsonText(data);
      if (flags.output === undefined) io.out.write(text);
      else await writeFile(flags.output, text, { mode: 0o644 });
    });
}
