import type { ReportData } from "./report-data";
import { STATE_ORDER } from "./report-data";

/** The report for a CI comment: GitHub-flavoured Markdown tables, the states needing action first. */

const cell = (text: string | null): string => (text ? text.replace(/\|/g, "\\|").replace(/\n/g, " ") : "—");
const STATE_MARK = { failing: "❌ failing", overdue: "⚠️ overdue", interrupted: "⚠️ interrupted", "pending-deletion": "🗑️ pending deletion", ok: "✅ ok", manual: "manual" } as const;

export function renderMarkdown(data: ReportData): string {
  const summary = STATE_ORDER.filter((s) => data.counts[s] > 0).map((s) => `${data.counts[s]} ${STATE_MARK[s]}`).join(" · ");
  const lines = [`## Managed secrets (${data.generatedAt})`, "", summary || "no secrets", ""];
  if (data.secrets.length > 0) {
    lines.push("| Secret | Target | Last rotation | Next rotation | State | Detail |", "|---|---|---|---|---|---|");
    for (const s of data.secrets) {
      lines.push(`| \`${cell(s.name)}\` | \`${cell(s.target)}\` | ${cell(s.lastRotatedAt)} | ${cell(s.plannedDeleteAt ? `deleted at ${s.plannedDeleteAt}` : s.nextRotationAt)} | ${STATE_MARK[s.state]} | ${cell(s.details.join("; ") || null)} |`);
    }
    lines.push("");
  }
  if (data.pendingDeletions.length > 0) {
    lines.push("### Deletions in their recovery window", "", "| Secret | Target | Deleted for good at |", "|---|---|---|");
    for (const d of data.pendingDeletions) lines.push(`| \`${cell(d.name)}\` | \`${cell(d.target)}\` | ${cell(d.plannedDeleteAt)} |`);
    lines.push("");
  }
  lines.push(`### Rotations per host since ${data.timeline.from.slice(0, 10)}`, "");
  for (const h of data.timeline.hosts) {
    const marks = h.entries.map((e) => `${e.at.slice(0, 10)} ${e.outcome === "failed" ? "❌" : e.outcome === "created" ? "🆕" : "🔄"} \`${cell(e.secret)}\``);
    lines.push(`- \`${cell(h.host)}\`: ${marks.length > 0 ? marks.join(", ") : "none"}`);
  }
  return `${lines.join("\n")}\n`;
}
