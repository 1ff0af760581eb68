/**
 * The operator console in a real browser (Debian's Chromium driven by playwright-core) over
 * a running gateway and simulator: sign in, filter the fleet, halt an account and see an
 * order refused, place a block order and watch its children fill. Screenshots go to
 * docs/img/ for docs/console.md. Skips (with a notice) when /usr/bin/chromium is absent
 * outside CI; in CI a missing browser fails.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConsoleDir } from "../../src/http/routes/console.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM) || process.env.CI !== undefined;
if (!available) console.warn(`[skip] browser tests: ${CHROMIUM} is absent (apt-get install -y chromium)`);
const shot = (name: string) => fileURLToPath(new URL(`../../docs/img/${name}.png`, import.meta.url));

let gw: TestGateway;
let browser: Browser;
let page: Page;

describe.skipIf(!available)("operator console", () => {
  beforeAll(async () => {
    if (!defaultConsoleDir()) {
      const { build } = await import("vite");
      await build({ configFile: fileURLToPath(new URL("../../console/vite.config.ts", import.meta.url)) });
    }
    gw = await startGateway({
      accounts: 40,
      logLevel: "warn",
      configure: (raw) => {
        const accounts = raw.accounts as Array<{ tags: string[] }>;
        accounts.forEach((a, i) => {
          a.tags = i < 5 ? ["demo", "alpha"] : ["demo"];
        });
      },
    });
    await gw.simCall("POST", "/_sim/clock", { open: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on("dialog", (d) => void d.accept());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it("refuses a bad token, then signs in with a gateway token and shows the fleet", async () => {
    await page.goto(`${gw.url}/console/`);
    await page.getByTestId("token").fill("not-a-token");
    await page.getByTestId("signin").click();
    await expect.poll(() => page.getByTestId("signin-error").textContent()).toContain("401");
    const token = await gw.token({ sub: "operator", scopes: ["read", "trade", "admin"], accounts: "*" });
    await page.getByTestId("token").fill(token);
    await page.getByTestId("signin").click();
    await expect.poll(() => page.getByTestId("fleet-count").textContent()).toBe("40 of 40 accounts");
    // virtualised: only the rows in view (plus a few) are in the page
    expect(await page.getByTestId("fleet-row").count()).toBeLessThan(40);
  });

  it("filters the fleet by tag and by search", async () => {
    await page.getByTestId("tag-filter").selectOption("alpha");
    await expect.poll(() => page.getByTestId("fleet-count").textContent()).toBe("5 of 40 accounts");
    await page.getByTestId("search").fill("acct-003");
    await expect.poll(() => page.getByTestId("fleet-row").count()).toBe(1);
    await page.screenshot({ path: shot("console-fleet") });
  });

  it("halts an account (with confirmation) and an order on it is refused", async () => {
    await page.locator('[data-account="acct-003"]').click();
    await page.getByTestId("halt-account").click();
    await expect
      .poll(() => page.locator('[data-account="acct-003"] [data-testid="status"]').textContent(), {
        timeout: 10_000,
      })
      .toBe("halted");
    await page.getByTestId("buy").click();
    await expect.poll(() => page.getByTestId("detail-message").textContent()).toContain("halted");
    expect((await gw.simStats()).requests.byPath["POST /v2/orders"] ?? 0).toBe(0);
    await page.screenshot({ path: shot("console-halted") });
    await page.getByTestId("resume-account").click();
    await expect
      .poll(() => page.locator('[data-account="acct-003"] [data-testid="status"]').textContent(), {
        timeout: 10_000,
      })
      .toBe("active");
  });

  it("previews and places a block order, and its children fill", async () => {
    await page.getByTestId("search").fill("");
    await page.getByTestId("block-target").fill("tag:alpha");
    await page.getByTestId("block-qty").fill("12");
    await page.getByTestId("block-preview").click();
    await expect.poll(() => page.locator('[data-testid="block-preview-table"] tr').count()).toBe(5);
    await page.getByTestId("block-place").click();
    await expect.poll(() => page.getByTestId("block-child").count()).toBe(5);
    await expect
      .poll(
        async () => (await page.getByTestId("child-state").allTextContents()).every((s) => s === "filled"),
        {
          timeout: 15_000,
        },
      )
      .toBe(true);
    // the audit tail shows the children's records once they are on disk, and the chain verifies
    await expect
      .poll(async () => (await page.getByTestId("audit-row").allTextContents()).join(" "), {
        timeout: 15_000,
      })
      .toContain("order.submit");
    await expect
      .poll(() => page.getByTestId("audit-verified").textContent(), { timeout: 15_000 })
      .toMatch(/chain verified \([1-9]\d* lines\)/);
    await page.screenshot({ path: shot("console-block") });
  });

  it("halts and resumes everything from the header, with the global halt shown", async () => {
    await page.getByTestId("halt-all").click();
    await expect.poll(() => page.getByTestId("global-halt").count(), { timeout: 10_000 }).toBe(1);
    await page.getByTestId("status-filter").selectOption("active");
    await expect.poll(() => page.getByTestId("fleet-row").count(), { timeout: 10_000 }).toBe(0);
    await page.getByTestId("resume-all").click();
    await expect.poll(() => page.getByTestId("global-halt").count(), { timeout: 10_000 }).toBe(0);
    await page.getByTestId("status-filter").selectOption("");
  });
});
