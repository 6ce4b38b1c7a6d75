import type { ReportData, SecretState, TimelineEntry } from "./report-data";
import { STATE_ORDER } from "./report-data";

/**
 * The report as one self-contained HTML page: inline CSS and SVG, no script,
 * and a Content-Security-Policy that forbids every fetch, so it shows the
 * same offline, from a CI artifact or a mail attachment, and never calls
 * anywhere when opened.
 */

const STATE_LABEL: Record<SecretState, string> = {
  failing: "failing",
  overdue: "overdue",
  interrupted: "interrupted",
  "pending-deletion": "pending deletion",
  ok: "ok",
  manual: "manual rotation",
};

const STATE_COLOR: Record<SecretState, { bg: string; fg: string }> = {
  failing: { bg: "#c62828", fg: "#ffffff" },
  overdue: { bg: "#ef6c00", fg: "#ffffff" },
  interrupted: { bg: "#6a1b9a", fg: "#ffffff" },
  "pending-deletion": { bg: "#616161", fg: "#ffffff" },
  ok: { bg: "#2e7d32", fg: "#ffffff" },
  manual: { bg: "#cfd8dc", fg: "#263238" },
};

const MARK_COLOR: Record<TimelineEntry["outcome"], string> = { created: "#1565c0", rotated: "#2e7d32", failed: "#c62828" };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const day = (iso: string | null): string => (iso ? escapeHtml(iso.replace(/\.\d{3}Z$/, "Z").replace("T", " ")) : "—");

function styles(): string {
  const badges = STATE_ORDER.map((s) => `.state-${s}{background:${STATE_COLOR[s].bg};color:${STATE_COLOR[s].fg}}`).join("\n");
  return `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#1f2933;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#52606d;margin-bottom:12px}
.chips{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0 16px}
.chip{border-radius:14px;padding:3px 12px;font-weight:600}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08)}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid #e4e7eb;vertical-align:top}
th{background:#eef1f4;font-weight:600}
tr[data-state=failing] td{background:#fdecea}
tr[data-state=overdue] td{background:#fff4e5}
.badge{display:inline-block;border-radius:4px;padding:1px 8px;font-weight:700;font-size:12px;white-space:nowrap}
.detail{color:#52606d;font-size:12px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.timeline{background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08);padding:8px}
.legend span{margin-right:14px}
.empty{color:#52606d;font-style:italic}
${badges}`;
}

function secretsTable(data: ReportData): string {
  if (data.secrets.length === 0) return `<p class="empty">No secrets.</p>`;
  const rows = data.secrets.map((s) => {
    const detail = [...s.details, ...(s.lastError && !s.details.some((d) => d.includes(s.lastError!.code)) ? [`last error ${s.lastError.code}`] : [])];
    return `<tr data-state="${s.state}" data-secret="${escapeHtml(s.name)}">
<td><code>${escapeHtml(s.name)}</code><div class="detail">${escapeHtml(s.kind)}${s.currentVersionId ? ` · ${escapeHtml(s.currentVersionId)}` : ""}</div></td>
<td><code>${escapeHtml(s.target)}</code></td>
<td>${day(s.lastRotatedAt)}</td>
<td>${s.plannedDeleteAt ? `deleted at ${day(s.plannedDeleteAt)}` : day(s.nextRotationAt)}</td>
<td><span class="badge state-${s.state}">${STATE_LABEL[s.state]}</span></td>
<td class="detail">${detail.map(escapeHtml).join("<br>")}</td>
</tr>`;
  });
  return `<table id="secrets"><thead><tr><th>Secret</th><th>Target</th><th>Last rotation</th><th>Next rotation</th><th>State</th><th>Detail</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>`;
}

function deletionsTable(data: ReportData): string {
  if (data.pendingDeletions.length === 0) return `<p class="empty">None.</p>`;
  const rows = data.pendingDeletions.map((d) => `<tr><td><code>${escapeHtml(d.name)}</code></td><td><code>${escapeHtml(d.target)}</code></td><td>${day(d.plannedDeleteAt)}</td><td><code>managed-secrets restore ${escapeHtml(d.name)}</code></td></tr>`);
  return `<table id="deletions"><thead><tr><th>Secret</th><th>Target</th><th>Deleted for good at</th><th>To keep it</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function timelineSvg(data: ReportData): string {
  const { from, to, hosts } = data.timeline;
  if (hosts.length === 0) return `<p class="empty">No hosts.</p>`;
  const width = 1100;
  const label = 230;
  const rowHeight = 30;
  const height = hosts.length * rowHeight + 34;
  const t0 = Date.parse(from);
  const span = Math.max(1, Date.parse(to) - t0);
  const x = (iso: string) => label + ((Date.parse(iso) - t0) / span) * (width - label - 20);
  const rows = hosts.map((h, i) => {
    const y = 20 + i * rowHeight + rowHeight / 2;
    // report-data drops times that do not parse; a mark that still has no place on the axis is left out, never drawn at NaN.
    const marks = h.entries.filter((e) => Number.isFinite(x(e.at))).map((e) => {
      const title = `<title>${escapeHtml(`${e.at} ${e.secret} ${e.outcome}${e.versionId ? ` ${e.versionId}` : ""}`)}</title>`;
      return e.outcome === "failed"
        ? `<g class="mark-failed" data-secret="${escapeHtml(e.secret)}">${title}<rect x="${x(e.at) - 6}" y="${y - 6}" width="12" height="12" fill="${MARK_COLOR.failed}" transform="rotate(45 ${x(e.at)} ${y})"/></g>`
        : `<circle class="mark-${e.outcome}" cx="${x(e.at)}" cy="${y}" r="6" fill="${MARK_COLOR[e.outcome]}">${title}</circle>`;
    });
    return `<g class="host" data-host="${escapeHtml(h.host)}"><text x="4" y="${y + 4}" font-size="12" font-family="monospace">${escapeHtml(h.host)}</text><line x1="${label}" y1="${y}" x2="${width - 20}" y2="${y}" stroke="#cbd2d9" stroke-width="2"/>${marks.join("")}</g>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const at = new Date(t0 + f * span).toISOString().slice(0, 10);
    const tx = label + f * (width - label - 20);
    const anchor = f === 0 ? "start" : f === 1 ? "end" : "middle";
    return `<text x="${tx}" y="12" font-size="11" text-anchor="${anchor}" fill="#52606d">${at}</text><line x1="${tx}" y1="16" x2="${tx}" y2="${height}" stroke="#eef1f4"/>`;
  });
  return `<div class="timeline"><svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 ${width} ${height}" role="img" aria-label="rotations per host">${ticks.join("")}${rows.join("")}</svg>
<div class="legend"><span style="color:${MARK_COLOR.created}">● created</span><span style="color:${MARK_COLOR.rotated}">● rotated</span><span style="color:${MARK_COLOR.failed}">◆ failed</span></div></div>`;
}

export function renderHtml(data: ReportData): string {
  const chips = STATE_ORDER.filter((s) => data.counts[s] > 0).map((s) => `<span class="chip state-${s}">${data.counts[s]} ${STATE_LABEL[s]}</span>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Managed secrets report ${day(data.generatedAt)}</title>
<style>${styles()}</style></head>
<body>
<h1>Managed secrets</h1>
<div class="meta">${data.secrets.length} secrets · generated ${day(data.generatedAt)}</div>
<div class="chips">${chips.join("")}</div>
<h2>Secrets</h2>
${secretsTable(data)}
<h2>Deletions in their recovery window</h2>
${deletionsTable(data)}
<h2>Rotations per host, last ${Math.round((Date.parse(data.timeline.to) - Date.parse(data.timeline.from)) / 86_400_000)} days</h2>
${timelineSvg(data)}
</body></html>
`;
}
