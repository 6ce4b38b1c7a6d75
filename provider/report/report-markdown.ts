import type { ReportData } from "./report-data";
import { STATE_ORDER } from "./report-data";

/**
 * The report for a CI comment: GitHub-flavoured Markdown tables, the states
 * needing action first. Every stored field is text whoever may tag a KMS
 * secret wrote, so none of it may become markup: names, targets and hosts
 * go in code spans fenced by more backticks than any run inside them;
 * everything else is text with every ASCII punctuation character
 * backslash-escaped (no HTML, link, image, emphasis or autolink can start).
 * In both, a pipe is escaped (GFM splits cells on pipes first, inside code
 * spans too) and control characters (a CR or LF would end the table row)
 * are shown as spaces.
 */

const oneLine = (text: string): string => text.replace(/[\p{Cc}\u2028\u2029]/gu, " ");
const escapePipes = (text: string): string => text.replace(/\|/g, "\\|");

/** Text as a code span that shows it as stored; "—" when there is none. */
export function code(text: string | null): string {
  if (!text) return "—";
  const body = oneLine(text);
  const fence = "`".repeat(Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  // CommonMark strips one space from each end of a span that starts and ends with one; padding keeps a leading or trailing backtick off the fence.
  const padded = /^[` ]|[` ]$/.test(body) ? ` ${body} ` : body;
  return `${fence}${escapePipes(padded)}${fence}`;
}

/** Text shown as stored, none of it markup; "—" when there is none. */
export function text(value: string | null): string {
  return value ? oneLine(value).replace(/[!-/:-@[-`{-~]/g, "\\$&") : "—";
}

const STATE_MARK = { failing: "❌ failing", overdue: "⚠️ overdue", interrupted: "⚠️ interrupted", "pending-deletion": "🗑️ pending deletion", ok: "✅ ok", manual: "manual" } as const;

export function renderMarkdown(data: ReportData): string {
  const summary = STATE_ORDER.filter((s) => data.counts[s] > 0).map((s) => `${data.counts[s]} ${STATE_MARK[s]}`).join(" · ");
  const lines = [`## Managed secrets (${data.generatedAt})`, "", summary || "no secrets", ""];
  if (data.secrets.length > 0) {
    lines.push("| Secret | Target | Last rotation | Next rotation | State | Detail |", "|---|---|---|---|---|---|");
    for (const s of data.secrets) {
      lines.push(`| ${code(s.name)} | ${code(s.target)} | ${text(s.lastRotatedAt)} | ${text(s.plannedDeleteAt ? `deleted at ${s.plannedDeleteAt}` : s.nextRotationAt)} | ${STATE_MARK[s.state]} | ${text(s.details.join("; ") || null)} |`);
    }
    lines.push("");
  }
  if (data.pendingDeletions.length > 0) {
    lines.push("### Deletions in their recovery window", "", "| Secret | Target | Deleted for good at |", "|---|---|---|");
    for (const d of data.pendingDeletions) lines.push(`| ${code(d.name)} | ${code(d.target)} | ${text(d.plannedDeleteAt)} |`);
    lines.push("");
  }
  lines.push(`### Rotations per host since ${data.timeline.from.slice(0, 10)}`, "");
  for (const h of data.timeline.hosts) {
    const marks = h.entries.map((e) => `${text(e.at.slice(0, 10))} ${e.outcome === "failed" ? "❌" : e.outcome === "created" ? "🆕" : "🔄"} ${code(e.secret)}`);
    lines.push(`- ${code(h.host)}: ${marks.length > 0 ? marks.join(", ") : "none"}`);
  }
  return `${lines.join("\n")}\n`;
}
