/**
 * Acceptance (issue 6, point 4): the Temporal Web UI, driven by headless Chromium, shows what an
 * operator needs. A stack runs the dev server with its UI on a free port; `start 950` builds the
 * chain; the UI's workflow list shows `phoenix-lxc-950`; its page shows the steps (activity
 * types) in the event history; and a `PhoenixId="950"` query lists only that guest's run.
 *
 * Chromium is the Debian package (`/usr/bin/chromium`, installed by .ci/run); the flags keep it
 * from calling home on a closed network. On failure the page is screenshotted into the test's
 * temp dir, whose path the failure message names.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startStack, type Stack } from '../../scripts/lib/stack';
import { CHROMIUM, CHROMIUM_ARGS, listedWorkflowIds, TIME_SCALE } from './helpers';

describe('the Temporal Web UI in headless Chromium', () => {
  let stack: Stack;
  let browser: BrowserContext;
  let page: Page;
  let dir: string;
  let failed = false;
  let ui: string;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (listed in .ci/run)`);
    dir = mkdtempSync(join(tmpdir(), 'phoenix-web-ui-'));
    stack = await startStack({ timeScale: TIME_SCALE, uiPort: 0 });
    assert.ok(stack.temporal.uiUrl, 'the dev server was started without its UI');
    ui = `${stack.temporal.uiUrl}/namespaces/${encodeURIComponent(stack.temporal.namespace)}`;
    await stack.startWorker();
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = await browser.newPage();
  });

  after(async () => {
    if (failed && page) await page.screenshot({ path: join(dir, 'failure.png'), fullPage: true }).catch(() => undefined);
    await browser?.close();
    await stack?.stop();
    if (!failed && dir) rmSync(dir, { recursive: true, force: true });
    else if (dir) process.stderr.write(`web-ui test: screenshot and browser profile kept in ${dir}\n`);
  });

  /** Runs a step; a failure keeps the screenshot (see after()). */
  const step = (name: string, fn: () => Promise<void>): void => {
    it(name, async () => {
      try {
        await fn();
      } catch (err) {
        failed = true;
        throw err;
      }
    });
  };

  let runPath = '';

  step('start 950 builds the chain; the workflow list shows phoenix-lxc-950', async () => {
    const started = await stack.cli(['start', '950']);
    assert.equal(started.code, 0, `start 950 failed:\n${started.stdout}\n${started.stderr}`);
    await page.goto(`${ui}/workflows`);
    const link = page.locator('a', { hasText: /^\s*phoenix-lxc-950\s*$/ }).first();
    await link.waitFor({ timeout: 30_000 });
    for (const id of ['phoenix-lxc-900', 'phoenix-lxc-901', 'phoenix-lxc-920']) {
      await page.locator('a', { hasText: new RegExp(`^\\s*${id}\\s*$`) }).first().waitFor({ timeout: 10_000 });
    }
    runPath = (await link.getAttribute('href')) ?? '';
    assert.match(runPath, /\/workflows\/phoenix-lxc-950\/[0-9a-f-]+/);
  });

  step("the run's page shows its steps (activity types) in the event history", async () => {
    await page.locator('a', { hasText: /^\s*phoenix-lxc-950\s*$/ }).first().click();
    await page.waitForURL(/\/workflows\/phoenix-lxc-950\//, { timeout: 15_000 });
    await page.getByText('provisionLxc').first().waitFor({ timeout: 15_000 });
    // The history lists newest first and renders as it scrolls: collect what each scroll shows.
    // 950 is a clone: its ensure_container_defined step is the clone activity holding its source's slot.
    const wanted = ['loadLxcPlan', 'ensureLxcTemplateReady', 'cloneContainerInSlot', 'applyConfigurations', 'startContainer', 'runApplicationScript'];
    const seen = new Set<string>();
    for (let i = 0; i < 40 && wanted.some((w) => !seen.has(w)); i++) {
      const text = await page.innerText('body');
      for (const w of wanted) if (text.includes(w)) seen.add(w);
      await page.mouse.wheel(0, 1500);
      await page.waitForTimeout(250);
    }
    assert.deepEqual(wanted.filter((w) => !seen.has(w)), [], 'activity types missing from the event history');
    assert.match(await page.innerText('body'), /Completed/);
  });

  step('a PhoenixId="950" query lists only that guest\'s run', async () => {
    await page.goto(`${ui}/workflows?query=${encodeURIComponent('PhoenixId="950"')}`);
    await page.locator('a', { hasText: /^\s*phoenix-lxc-950\s*$/ }).first().waitFor({ timeout: 30_000 });
    // Each row links to its run (`/workflows/<id>/<run id>/...`); every one must be 950's.
    const ids = await listedWorkflowIds(page);
    assert.deepEqual(ids, ['phoenix-lxc-950'], `rows of the filtered list: ${ids.join(', ')}`);
    // And the same list without the filter does show the templates: the filter is what removed them.
    await page.goto(`${ui}/workflows?query=${encodeURIComponent('PhoenixId="920"')}`);
    await page.locator('a', { hasText: /^\s*phoenix-lxc-920\s*$/ }).first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('a', { hasText: /^\s*phoenix-lxc-950\s*$/ }).count(), 0);
  });
});
