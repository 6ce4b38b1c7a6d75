/// <reference lib="dom" />
import { strict as assert } from "node:assert";
import { mkdtemp, rm, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { BrowserContext } from "playwright-core";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import { runCli } from "../../provider/cli/program";
import type { ReportData } from "../../provider/report/report-data";
import { headlessChromium, type HeadlessChromium } from "../support/headless-chromium";

const DAY_MS = 86_400_000;
const PERIOD = String(30 * 86_400);

describe("managed-secrets report: HTML (headless Chromium), Markdown and JSON", function () {
  let t: TestStore;
  let dir: string;

  before(async function () {
    t = await createTestStore();
    dir = await mkdtemp(join(tmpdir(), "ms-report-"));
    const s = t.store;
    // Complete targets, as a program stores them: the report asks each secret's kind what its target is.
    const ecs = (instanceId: string, user: string) => ({
      kind: "ecs", instanceId, managedUser: user, credentialType: "password", host: "10.0.0.5", port: "22", hostKeyFingerprint: `SHA256:${"A".repeat(43)}`, rotationPeriodSeconds: PERIOD,
    });
    const schedule = (last: Date) => ({ lastRotatedAt: last.toISOString(), nextRotationAt: new Date(last.getTime() + 30 * DAY_MS).toISOString() });
    const value = (user: string, password: string) => JSON.stringify({ UserName: user, Password: password });

    const start = t.clock();
    await s.createSecret({ name: "app/web-root", description: "", metadata: { ...ecs("i-web1", "root"), ...schedule(start) }, versionId: "v1", value: value("root", "Web-Root-Pass-1") });
    await s.createSecret({ name: "app/cache", description: "", metadata: { ...ecs("i-web1", "cache"), ...schedule(start) }, versionId: "v1", value: value("cache", "Cache-Pass-1") });
    await s.createSecret({ name: "app/db-admin", description: "", metadata: { ...ecs("i-db1", "admin"), ...schedule(start) }, versionId: "v1", value: value("admin", "Db-Admin-Pass-1") });
    await s.createSecret({ name: "ci/deployer", description: "", metadata: { kind: "ram", userName: "deployer", rotationPeriodSeconds: PERIOD, ...schedule(start) }, versionId: "v1", value: JSON.stringify({ AccessKeyId: "LTAI5tExampleKeyId01", AccessKeySecret: "Ram-Secret-Value-000000000001" }) });
    await s.createSecret({ name: "old/legacy", description: "", metadata: { ...ecs("i-old1", "legacy") }, versionId: "v1", value: value("legacy", "Legacy-Pass-1") });

    // Twenty days on: web-root and the RAM key rotated; db-admin's rotation failed.
    t.clock.advance(20 * DAY_MS);
    const later = t.clock();
    await s.putValue("app/web-root", { versionId: "v2", value: value("root", "Web-Root-Pass-2"), stages: ["ACSCurrent"] });
    await s.updateSecret("app/web-root", { metadata: schedule(later) });
    await s.putValue("ci/deployer", { versionId: "v2", value: JSON.stringify({ AccessKeyId: "LTAI5tExampleKeyId02", AccessKeySecret: "Ram-Secret-Value-000000000002" }), stages: ["ACSCurrent"] });
    await s.updateSecret("ci/deployer", { metadata: schedule(later) });
    await s.updateSecret("app/db-admin", { metadata: { lastRotationError: "AuthenticationFailed", lastRotationErrorAt: later.toISOString() } });
    // Fifteen more days: cache and db-admin (never rotated) are now overdue; web-root and the RAM key are not.
    t.clock.advance(15 * DAY_MS);
    await s.deleteSecret("old/legacy", { recoveryWindowDays: 7 });
  });
  after(async () => {
    await t?.[Symbol.asyncDispose]();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function cli(args: string[]) {
    let out = "";
    let err = "";
    const io = { out: { write: (s: string) => void (out += s) }, err: { write: (s: string) => void (err += s) }, context: () => t.context("cli") };
    const code = await runCli(args, io);
    return { code, out, err };
  }

  it("--format json: every secret with target, schedule and state; deletions; rotations per host", async () => {
    const run = await cli(["report", "--format", "json"]);
    assert.equal(run.code, 0, run.err);
    const data = JSON.parse(run.out) as ReportData;
    assert.deepEqual(data.secrets.map((s) => [s.name, s.state, s.target]), [
      ["app/db-admin", "failing", "i-db1/admin"],
      ["app/cache", "overdue", "i-web1/cache"],
      ["old/legacy", "pending-deletion", "i-old1/legacy"],
      ["app/web-root", "ok", "i-web1/root"],
      ["ci/deployer", "ok", "ram-user/deployer"],
    ]);
    assert.deepEqual(data.counts, { failing: 1, overdue: 1, interrupted: 0, "pending-deletion": 1, ok: 2, manual: 0 });
    const db = data.secrets[0]!;
    assert.deepEqual(db.lastError?.code, "AuthenticationFailed");
    assert.deepEqual(data.pendingDeletions.map((d) => d.name), ["old/legacy"]);
    const web = data.timeline.hosts.find((h) => h.host === "i-web1")!;
    assert.deepEqual(web.entries.map((e) => [e.secret, e.outcome, e.versionId]).sort(), [["app/cache", "created", "v1"], ["app/web-root", "created", "v1"], ["app/web-root", "rotated", "v2"]]);
    assert.ok(web.entries.every((e, i) => i === 0 || Date.parse(e.at) >= Date.parse(web.entries[i - 1]!.at)), "in time order");
    assert.deepEqual(data.timeline.hosts.find((h) => h.host === "i-db1")!.entries.map((e) => e.outcome), ["created", "failed"]);
    assert.ok(!run.out.includes("Pass-") && !run.out.includes("Ram-Secret-Value"), "no credential in the report");
  });

  it("--format markdown: a table for a CI comment, failing first", async () => {
    const run = await cli(["report", "--format", "markdown", "--select", "name:app/"]);
    assert.equal(run.code, 0, run.err);
    const rows = run.out.split("\n").filter((l) => l.startsWith("| `"));
    assert.equal(rows.length, 3);
    assert.match(rows[0]!, /^\| `app\/db-admin` \| `i-db1\/admin` \| .* \| ❌ failing \| .*the last scheduled rotation failed with AuthenticationFailed/);
    assert.match(rows[1]!, /`app\/cache` .* ⚠️ overdue \| rotation was due at/);
    assert.match(run.out, /- `i-web1`: .*🔄 `app\/web-root`/);
  });

  it("--format pdf is a usage error naming --format", async () => {
    const run = await cli(["report", "--format", "pdf"]);
    assert.equal(run.code, 2);
    assert.match(run.err, /--format/);
  });

  describe("the HTML page in headless Chromium", function () {
    let browser: HeadlessChromium | undefined;
    let context: BrowserContext;
    before(async function () {
      this.timeout(60_000);
      browser = await headlessChromium();
      context = browser.context;
    });
    after(async () => browser?.close());

    it("renders offline (no request but the file), is not blank, and marks the failing secret visibly", async () => {
      const file = join(dir, "report.html");
      const run = await cli(["report", "--output", file]);
      assert.equal(run.code, 0, run.err);
      assert.equal(run.out, "");
      const html = await readFile(file, "utf8");
      assert.ok(!html.includes("Pass-") && !html.includes("Ram-Secret-Value"), "no credential in the page");

      const page = await context.newPage();
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(file).href);
      assert.deepEqual(requests, [pathToFileURL(file).href], "the page fetches nothing");

      const failing = page.locator('tr[data-secret="app/db-admin"] .badge');
      assert.ok(await failing.isVisible());
      assert.equal((await failing.textContent())?.trim(), "failing");
      const [r, g, b] = (await failing.evaluate((el) => getComputedStyle(el).backgroundColor)).match(/\d+/g)!.map(Number);
      assert.ok(r! > 150 && g! < 80 && b! < 80, `the failing badge is red: rgb(${r}, ${g}, ${b})`);
      const rowBackground = await page.locator('tr[data-secret="app/db-admin"] td').first().evaluate((el) => getComputedStyle(el).backgroundColor);
      const okBackground = await page.locator('tr[data-secret="app/web-root"] td').first().evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.notEqual(rowBackground, okBackground, "the failing row stands out from a healthy one");
      assert.ok(await page.locator('#timeline .mark-failed[data-secret="app/db-admin"]').isVisible());
      assert.equal(await page.locator("#deletions tbody tr").count(), 1);

      const shot = await page.screenshot({ fullPage: true });
      assert.ok(shot.length > 10_000, `${shot.length} bytes`);
      // Decode the PNG in the browser itself and count its colours: a blank page has one.
      const stats = await page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = document.createElement("canvas");
        canvas.width = img.width;
        canvas.height = img.height;
        const g2d = canvas.getContext("2d")!;
        g2d.drawImage(img, 0, 0);
        const px = g2d.getImageData(0, 0, img.width, img.height).data;
        const colours = new Set<number>();
        let red = 0;
        for (let i = 0; i < px.length; i += 4) {
          colours.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
          if (px[i] === 0xc6 && px[i + 1] === 0x28 && px[i + 2] === 0x28) red++;
        }
        return { width: img.width, height: img.height, colours: colours.size, red };
      }, shot.toString("base64"));
      assert.ok(stats.width >= 1280 && stats.height > 300, JSON.stringify(stats));
      assert.ok(stats.colours > 50, `the screenshot is not blank: ${JSON.stringify(stats)}`);
      assert.ok(stats.red > 100, `the failing marks are red on screen: ${JSON.stringify(stats)}`);
      await page.close();
    });
  });
});
