/// <reference lib="dom" />
import { targetRegistry } from "../../provider/context/runtime-context";
import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildReport, type ReportData } from "../../provider/report/report-data";
import { renderHtml } from "../../provider/report/report-html";
import { renderMarkdown } from "../../provider/report/report-markdown";
import type { SecretMeta } from "../../provider/store/secret-store";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import { kmsRequest } from "../../testkit/emulator/sdk-clients";
import { entryTags } from "../../provider/store/kms/kms-tags";
import type { EmulatorHandle } from "../../emulator";
import { inProcessCli } from "../support/in-process-cli";
import { headlessChromium, type HeadlessChromium } from "../support/headless-chromium";

/**
 * The report shows what the store holds, and whoever may tag a KMS secret
 * writes its metadata: hosts, users, error codes and times. Nothing of it
 * may become markup. The Markdown is read by a real CommonMark/GFM parser
 * (markdown-it, raw HTML and linkify on, as permissive as a renderer gets),
 * the HTML by headless Chromium.
 */

interface MdToken {
  readonly type: string;
  readonly tag: string;
  readonly content: string;
  readonly children: MdToken[] | null;
}
const MarkdownIt = require("markdown-it") as new (options: Record<string, unknown>) => { parse(text: string, env: object): MdToken[]; render(text: string): string };
const markdown = new MarkdownIt({ html: true, linkify: true });

const DAY_MS = 86_400_000;
const NOW = new Date("2026-06-01T00:00:00.000Z");

const HOSTILE = {
  name: "evil/`x`<img src=x onerror=alert(1)>|y\r\nz",
  host: "``<a href=https://evil.example/>pwn</a>`` www.evil.example",
  user: "root`![i](https://evil.example/i.png)",
  code: "Auth`<img src=x onerror=alert(2)>`[click](https://evil.example/)|x\r\n| injected | row |",
  errorAt: "2026-02-30T00:00:00Z",
  rotatedAt: "<b>not a time</b>",
  /** Date.parse takes it, but one jitter later it is past the last time a Date can hold. */
  nextAt: "+275760-09-13T00:00:00.000Z",
} as const;

function hostileSecrets(): SecretMeta[] {
  const createdAt = new Date(NOW.getTime() - 10 * DAY_MS).toISOString();
  const version = { versionId: "v1", stages: ["ACSCurrent" as const], createdAt };
  return [
    {
      name: HOSTILE.name,
      description: "",
      createdAt,
      updatedAt: createdAt,
      versions: [version],
      metadata: {
        kind: "ecs", instanceId: HOSTILE.host, managedUser: HOSTILE.user, host: HOSTILE.host, rotationPeriodSeconds: String(30 * 86_400),
        lastRotatedAt: HOSTILE.rotatedAt, nextRotationAt: HOSTILE.nextAt, lastRotationError: HOSTILE.code, lastRotationErrorAt: HOSTILE.errorAt,
      },
    },
    {
      name: "plain/ok",
      description: "",
      createdAt,
      updatedAt: createdAt,
      versions: [version],
      metadata: { kind: "ram", userName: "app", rotationPeriodSeconds: String(30 * 86_400), lastRotatedAt: createdAt, nextRotationAt: new Date(NOW.getTime() + 20 * DAY_MS).toISOString(), lastRotationError: HOSTILE.code, lastRotationErrorAt: "garbage" },
    },
  ];
}

/** Every token, children included. */
function flatten(tokens: readonly MdToken[]): MdToken[] {
  return tokens.flatMap((t) => [t, ...flatten(t.children ?? [])]);
}

/** The rows of the first table after `heading`, each a list of cells, each the cell's inline tokens. */
function tableAfter(tokens: readonly MdToken[], heading: RegExp): MdToken[][][] {
  const start = tokens.findIndex((t, i) => t.type === "inline" && heading.test(t.content) && tokens[i - 1]?.type === "heading_open");
  const rows: MdToken[][][] = [];
  let inBody = false;
  for (const t of tokens.slice(start)) {
    if (t.type === "tbody_open") inBody = true;
    else if (t.type === "tbody_close") break;
    else if (inBody && t.type === "tr_open") rows.push([]);
    else if (inBody && t.type === "inline") rows.at(-1)!.push(t.children ?? []);
  }
  return rows;
}

/** What a cell shows: its text and code spans, concatenated as a reader sees them. */
const shown = (cell: readonly MdToken[]): string => cell.map((t) => (t.type === "text" || t.type === "code_inline" || t.type === "text_special" ? t.content : "")).join("");
/** The control characters a cell cannot hold shown as spaces. */
const oneLine = (text: string): string => text.replace(/[\r\n]/g, " ");
/** HTML's parser reads CR LF in text as LF. */
const asParsed = (text: string): string => text.replace(/\r\n?/g, "\n");

function assertNoMarkup(md: string): void {
  const tokens = flatten(markdown.parse(md, {}));
  const markup = tokens.filter((t) => ["html_inline", "html_block", "link_open", "image"].includes(t.type));
  assert.deepEqual(markup.map((t) => `${t.type} ${t.content}`), [], "a stored field became markup");
  const html = markdown.render(md);
  assert.doesNotMatch(html, /<(img|a|b|script)\b/i);
}

describe("report: hostile names, hosts, error codes and times stay text (Markdown through markdown-it, HTML in Chromium)", function () {
  let data: ReportData;
  before(async () => {
    data = await buildReport(hostileSecrets(), targetRegistry(), NOW);
  });

  it("markdown: each secret is one table row of six cells, every stored field shown as written, none of it markup", () => {
    const md = renderMarkdown(data);
    assertNoMarkup(md);
    const rows = tableAfter(markdown.parse(md, {}), /^Managed secrets/);
    assert.equal(rows.length, 2, md);
    for (const row of rows) assert.equal(row.length, 6, JSON.stringify(row.map(shown)));
    const evil = rows.find((r) => shown(r[0]!).startsWith("evil/"))!;
    assert.equal(shown(evil[0]!), oneLine(HOSTILE.name));
    // A target whose stored fields its kind refuses is never repeated: the report says it cannot be read, and which field.
    assert.equal(shown(evil[1]!), "(unreadable target)");
    assert.ok(shown(evil[5]!).includes("its stored target cannot be read (its field instanceId is refused)"), shown(evil[5]!));
    assert.ok(shown(evil[5]!).includes(oneLine(HOSTILE.code)), shown(evil[5]!));
    assert.doesNotMatch(md, /evil\.example\/>pwn|www\.evil\.example/, "the hostile host is nowhere in the report");
    // The timeline's host list: the unreadable secret is a host of its own, named by the secret's name, as written.
    const items = flatten(markdown.parse(md, {})).filter((t) => t.type === "inline" && t.children?.some((c) => c.type === "code_inline" && c.content.startsWith("secret:evil/")));
    assert.equal(items.length, 1, md);
  });

  it("times that do not parse (a date that does not exist, text) are labelled and left out of the timeline, never NaN", () => {
    const evil = data.secrets.find((s) => s.name === HOSTILE.name)!;
    assert.equal(evil.lastRotatedAt, null);
    assert.equal(evil.lastError?.at, null);
    assert.ok(evil.details.some((d) => /lastRotatedAt .*not a time/.test(d)), evil.details.join("; "));
    assert.ok(evil.details.some((d) => /lastRotationErrorAt .*not a time/.test(d)), evil.details.join("; "));
    const marks = data.timeline.hosts.flatMap((h) => h.entries);
    assert.ok(marks.length >= 2);
    for (const m of marks) assert.ok(!Number.isNaN(Date.parse(m.at)), m.at);
    assert.ok(!marks.some((m) => m.outcome === "failed"), "a failure with no readable time has no place on the timeline");
    const html = renderHtml(data);
    assert.doesNotMatch(html, /NaN/);
  });

  describe("the HTML page in headless Chromium", function () {
    let browser: HeadlessChromium | undefined;
    let dir: string;
    before(async function () {
      this.timeout(60_000);
      dir = await mkdtemp(join(tmpdir(), "ms-report-hostile-"));
      browser = await headlessChromium();
    });
    after(async () => {
      await browser?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("no element comes from a stored field, every field reads as written, and the timeline's marks sit at real coordinates", async () => {
      const file = join(dir, "report.html");
      await writeFile(file, renderHtml(data));
      const page = await browser!.context.newPage();
      await page.goto(pathToFileURL(file).href);
      assert.equal(await page.locator("img, a, b, script, iframe, object, embed").count(), 0);
      const cells = await page.locator("#secrets tbody tr").evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent ?? "")));
      const evil = cells.find((c) => c[0]!.startsWith("evil/"))!;
      assert.ok(evil[0]!.startsWith(asParsed(HOSTILE.name)), evil[0]);
      assert.equal(evil[1], "(unreadable target)");
      assert.doesNotMatch(await page.content(), /www\.evil\.example/, "the hostile host is nowhere on the page");
      assert.ok(evil[5]!.includes(asParsed(HOSTILE.code)), evil[5]);
      const coordinates = await page.locator("#timeline circle, #timeline rect").evaluateAll((marks) => marks.flatMap((m) => ["cx", "cy", "x", "y"].map((a) => m.getAttribute(a)).filter((v) => v !== null)));
      assert.ok(coordinates.length >= 4);
      for (const c of coordinates) assert.ok(Number.isFinite(Number(c)), `mark coordinate ${c}`);
      await page.close();
    });
  });
});

describe("report: metadata written by someone who may only tag the KMS secret (emulator, real KMS client)", function () {
  let t: TestStore;
  before(async () => {
    t = await createTestStore({ backend: "kms" });
  });
  after(async () => t?.[Symbol.asyncDispose]());

  it("an error code and time set with TagResource reach the markdown report as text", async () => {
    const name = "app/tagged";
    const at = t.clock().toISOString();
    await t.store.createSecret({
      name,
      description: "",
      metadata: { kind: "ram", userName: "tagged", rotationPeriodSeconds: String(30 * 86_400), lastRotatedAt: at, nextRotationAt: new Date(t.clock().getTime() + 30 * DAY_MS).toISOString() },
      versionId: "v1",
      value: JSON.stringify({ AccessKeyId: "LTAI5tTaggedKeyId0000001", AccessKeySecret: "Tagged-Secret-Value-00000000001" }),
    });
    const cloud = t.cloud!;
    const emu = { endpoint: cloud.endpoint!, regionId: cloud.regionId, accessKeyId: cloud.accessKeyId!, accessKeySecret: cloud.accessKeySecret! } as EmulatorHandle;
    // The store's own encoding for values outside KMS's tag alphabet (base64 in parts): anyone may compute it.
    const tags = [...entryTags("lastRotationError", HOSTILE.code), ...entryTags("lastRotationErrorAt", HOSTILE.errorAt)];
    await kmsRequest(emu, "TagResource", { SecretName: name, Tags: JSON.stringify(tags.map((tag) => ({ TagKey: tag.key, TagValue: tag.value }))) });
    const run = await inProcessCli(() => t.context("cli"))(["report", "--format", "markdown"]);
    assert.equal(run.code, 0, run.err);
    assertNoMarkup(run.out);
    const rows = tableAfter(markdown.parse(run.out, {}), /^Managed secrets/);
    assert.equal(rows.length, 1, run.out);
    assert.equal(rows[0]!.length, 6);
    assert.ok(shown(rows[0]![5]!).includes(oneLine(HOSTILE.code)), shown(rows[0]![5]!));
    assert.match(shown(rows[0]![5]!), /lastRotationErrorAt .*not a time/);
  });
});
