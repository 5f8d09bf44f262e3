/**
 * The dashboard page in a real browser: Debian's Chromium (`apt-get install -y chromium`, which
 * .ci/run does) driven headless by playwright-core. While a job runs, the page loads, its graph
 * draws every operator of the job's plan, the throughput chart gains points with records in them,
 * the alerts panel lists an alert the job's alert operator raised, the savepoint button writes a
 * savepoint, and a screenshot is saved under the test's temporary folder (its path is printed). FLEUVE_DASHBOARD_SCREENSHOT=<file.png> also writes it there (how
 * docs/img/dashboard.png is made). A second job shows its per-partition watermarks and a
 * restart with the failure that caused it.
 */
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { detectAlerts, threshold } from "@fleuve/alerts";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { chromium } from "playwright-core";
import { startDashboard } from "../../src/index.js";
import { FAILURE, startSplitJob } from "../fixtures/split-job.js";

const CHROMIUM = "/usr/bin/chromium";
/** The page's document, inside functions that playwright runs in the browser (no DOM types here). */
declare const document: any;

interface Click {
  user: number;
  page: string;
  ts: number;
}

/**
 * Headless Chromium on the dashboard at `url`, once its first data is drawn; page errors are
 * gathered, and so are the answers with a status of 400 or more while the page loaded (`failed`:
 * a missing favicon.ico was one).
 */
async function openDashboard(url: string) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--headless", "--disable-background-networking"],
  });
  const errors: string[] = [];
  const failed: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1300 } });
    page.on("pageerror", (e) => errors.push(String(e)));
    const onResponse = (r: { status(): number; url(): string }) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    };
    page.on("response", onResponse);
    await page.goto(url);
    await page.waitForSelector("body[data-loaded=true]", { timeout: 300_000 });
    page.off("response", onResponse);
    // Headless Chromium asks for no icon: ask for the one the page declares, and for
    // /favicon.ico, which a browser asks for when a page declares none.
    const icon: string | null = await page.evaluate(
      () => document.querySelector("link[rel=icon]")?.href ?? null,
    );
    if (icon === null) failed.push("the page declares no icon");
    for (const href of [icon, "/favicon.ico"].filter((h) => h !== null)) {
      const r = await page.request.get(new URL(href, url).href);
      if (r.status() >= 400) failed.push(`${r.status()} ${href}`);
    }
    return { browser, page, errors, failed };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

test("the page shows a running job's graph and live charts, and its savepoint button takes a savepoint", {
  timeout: 900_000,
}, async () => {
  assert.ok(existsSync(CHROMIUM), "Debian's chromium is needed: apt-get install -y chromium");
  const dir = mkdtempSync(join(tmpdir(), "fleuve-dash-browser-"));
  const env = StreamExecutionEnvironment.create({
    parallelism: 2,
    checkpointing: { dir: join(dir, "cp"), intervalMs: 1000 },
  });
  const pages = ["/", "/cart", "/checkout", "/product", "/search"];
  // event time keeps up with the wall clock at 2000 records/s, so the watermark lag reads as seconds
  const start = Date.now();
  const clicks = env
    .fromGenerator<Click>(
      (i) => ({ user: (i * 7919) % 500, page: pages[i % 5]!, ts: start + Math.floor(i / 2) }),
      {
        count: Number.MAX_SAFE_INTEGER,
        ratePerSecond: 2000,
        strategy: WatermarkStrategy.forBoundedOutOfOrderness<Click>(1000).withTimestampAssigner((c) => c.ts),
      },
    )
    .name("Clicks");
  // An alert operator: a user id above 490 on a page raises an alert, which the alerts panel shows.
  clicks
    .keyBy((c) => c.page)
    .process(
      detectAlerts<Click, string>({
        value: (c) => c.user,
        rules: [threshold({ above: 490, name: "heavy user" })],
      }),
    )
    .name("Alerts")
    .forEach(() => {}, "Alert sink");
  clicks
    .filter((c) => c.page !== "/search")
    .name("Drop searches")
    .keyBy((c) => c.page)
    .map((c) => ({ page: c.page, views: 1 }))
    .name("To views")
    .keyBy((v) => v.page)
    .reduce((a, b) => ({ page: a.page, views: a.views + b.views }))
    .name("Views per page")
    .forEach(() => {}, "Sink");
  const client = env.executeAsync("browser-test");
  const plan = client.plan!();
  const dashboard = await startDashboard({
    jobName: "browser-test",
    snapshot: () => client.snapshot(),
    plan,
    result: client.result,
    port: 0,
    controls: {
      savepoint: (target, stop) => {
        const folder = join(target ?? join(dir, "savepoints"), `sp-${Date.now()}`);
        return stop ? client.stopWithSavepoint(folder) : client.triggerSavepoint(folder);
      },
      cancel: () => client.cancel(),
    },
  });
  const { browser, page, errors, failed } = await openDashboard(dashboard.url);
  try {
    assert.equal(await page.textContent("#job-name"), "browser-test");
    assert.equal(await page.textContent("#job-state"), "RUNNING");

    // Every operator of the plan is a node of the drawn graph, and every edge is drawn.
    const drawn = await page.$$eval("#graph g.node", (gs) => gs.map((g) => g.getAttribute("data-operator")));
    assert.deepEqual([...drawn].sort(), plan.nodes.map((n) => n.uid).sort());
    assert.equal(await page.locator("#graph path.edge").count(), plan.edges.length);

    // The throughput chart updates while the job runs: more points than now, the last non-zero.
    const chart = page.locator("#chart-throughput");
    const before = Number((await chart.getAttribute("data-points")) ?? 0);
    await page.waitForFunction(
      (n) => {
        const c = document.getElementById("chart-throughput")!;
        return Number(c.dataset.points) > n + 2 && Number(c.dataset.last) > 0;
      },
      before,
      { timeout: 300_000, polling: 200 },
    );
    assert.ok((await page.locator("#chart-throughput canvas").count()) > 0, "uPlot drew a canvas");
    // The source's node shows its rate.
    await page.waitForFunction(
      (uid) =>
        /out [1-9]/.test(document.querySelector(`g[data-operator="${uid}"] .rates`)?.textContent ?? ""),
      plan.nodes.find((n) => n.name === "Clicks")!.uid,
      { timeout: 300_000, polling: 200 },
    );
    // A checkpoint row appears (checkpoints every second).
    await page.waitForFunction(
      () => document.querySelectorAll("#checkpoints tbody tr").length > 0,
      undefined,
      {
        timeout: 300_000,
        polling: 200,
      },
    );

    // The alerts panel shows the alerts the job raises: rule, key (the page), value and time.
    await page.waitForSelector('#alerts-active tbody tr[data-rule="heavy user"]', { timeout: 300_000 });
    const cells = await page.$$eval('#alerts-active tbody tr[data-rule="heavy user"]:first-child td', (tds) =>
      tds.map((td) => td.textContent ?? ""),
    );
    const [time, rule, key, kind, value, expected] = cells;
    assert.match(time!, /^\d{4}-\d\d-\d\dT/);
    assert.equal(rule, "heavy user");
    assert.ok(pages.includes(key!), `the key is a page: ${key}`);
    assert.equal(kind, "level");
    assert.ok(Number(value) > 490 && Number(value) < 500, `value ${value}`);
    assert.equal(expected, "490");
    assert.ok((await page.locator("#alerts-recent tbody tr").count()) > 0, "recent alerts listed");

    // The savepoint button: the page shows the folder, which holds the savepoint's metadata.
    await page.click("#btn-savepoint");
    await page.waitForFunction(
      () => /^savepoint: \//.test(document.getElementById("control-result")!.textContent ?? ""),
      undefined,
      { timeout: 300_000, polling: 200 },
    );
    const path = (await page.textContent("#control-result"))!.replace(/^savepoint: /, "");
    assert.ok(existsSync(join(path, "_metadata")), `${path}/_metadata`);
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll("#checkpoints tbody tr")].some((r) =>
          r.textContent?.includes("savepoint"),
        ),
      undefined,
      { timeout: 300_000, polling: 200 },
    );
    assert.deepEqual(errors, [], "no script errors on the page");
    assert.deepEqual(failed, [], "no answer with a status of 400 or more while the page loaded");

    const shot = join(dir, "dashboard.png");
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, "a screenshot with content");
    const wanted = process.env.FLEUVE_DASHBOARD_SCREENSHOT;
    if (wanted) copyFileSync(shot, wanted);
    console.log(`# screenshot: ${shot}`);
  } finally {
    await browser.close();
    client.cancel();
    await client.result.catch(() => {});
    await dashboard.close();
  }
});

test("the page shows each source partition's watermark and a restart with its cause and stack", {
  timeout: 900_000,
}, async () => {
  assert.ok(existsSync(CHROMIUM), "Debian's chromium is needed: apt-get install -y chromium");
  const client = startSplitJob(mkdtempSync(join(tmpdir(), "fleuve-dash-browser-split-")));
  const dashboard = await startDashboard({
    jobName: "split-job",
    snapshot: () => client.snapshot(),
    plan: client.plan!(),
    result: client.result,
    port: 0,
  });
  const { browser, page, errors, failed } = await openDashboard(dashboard.url);
  try {
    // One row per partition of the source, each with a watermark.
    await page.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll("#partitions tbody tr")];
        return rows.length === 2 && rows.every((r: any) => /^\d{4}-/.test(r.children[3]?.textContent ?? ""));
      },
      undefined,
      { timeout: 300_000, polling: 200 },
    );
    const splits = await page.$$eval("#partitions tbody tr", (rs) =>
      rs.map((r: any) => [r.children[0].textContent, r.children[2].textContent, r.children[5].textContent]),
    );
    assert.deepEqual(splits.sort(), [
      ["Two splits", "fast", "active"],
      ["Two splits", "slow", "active"],
    ]);
    // The restart: its row gives the failure's message, the restart, and a stack that unfolds.
    await page.waitForFunction(
      () => document.querySelector("#exceptions tbody tr.restart .message") !== null,
      undefined,
      { timeout: 300_000, polling: 200 },
    );
    const row = page.locator("#exceptions tbody tr.restart").first();
    assert.ok(((await row.locator(".message").textContent()) ?? "").includes(FAILURE));
    assert.match((await row.locator(".reason").textContent()) ?? "", /^restart 1: /);
    await row.locator("details summary").click();
    assert.ok(await row.locator("details pre").isVisible(), "the stack unfolds");
    assert.match((await row.locator("details pre").textContent()) ?? "", /boom once/);
    assert.match((await page.textContent("#restarts")) ?? "", /^1 restarts \(FLEUVE_[A-Z_]+ 1\)$/);
    assert.deepEqual(errors, [], "no script errors on the page");
    assert.deepEqual(failed, [], "no answer with a status of 400 or more while the page loaded");
  } finally {
    await browser.close();
    client.cancel();
    await client.result.catch(() => {});
    await dashboard.close();
  }
});
