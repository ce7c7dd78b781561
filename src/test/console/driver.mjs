// A line protocol over stdin/stdout so a Java test (ConsoleIT) can drive a real browser while it controls the
// upstream itself. Each request is one JSON line {"id", "op", ...}; each answer one line {"id", "ok", "value"|"error"}.
import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let context;
let page;

const ops = {
  async launch({ executable, width, height }) {
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'longlink-chromium-')), {
      executablePath: executable,
      headless: true,
      viewport: { width, height },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = context.pages()[0] || await context.newPage();
  },
  async viewport({ width, height }) { await page.setViewportSize({ width, height }); },
  async goto({ url }) { await page.goto(url); },
  async evaluate({ script }) { return await page.evaluate(script); },
  async click({ role, name, within }) {
    const scope = within ? page.locator(within) : page;
    await scope.getByRole(role, { name, exact: true }).click();
  },
  async fill({ label, value }) { await page.getByLabel(label, { exact: true }).fill(value); },
  async select({ label, value }) { await page.getByLabel(label, { exact: true }).selectOption(value); },
  async check({ label }) { await page.getByLabel(label, { exact: true }).check(); },
  async count({ role, name, within }) {
    const scope = within ? page.locator(within) : page;
    return await scope.getByRole(role, { name, exact: true }).count();
  },
  async text({ selector }) { return await page.locator(selector).innerText(); },
  async waitText({ selector, text, timeout }) {
    await page.locator(selector).filter({ hasText: text }).first().waitFor({ timeout: timeout || 15000 });
  },
  async screenshot({ path }) { await page.screenshot({ path, fullPage: true }); },
  async close() { await context.close(); },
};

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const request = JSON.parse(line);
  try {
    const value = await ops[request.op](request);
    process.stdout.write(JSON.stringify({ id: request.id, ok: true, value: value === undefined ? null : value }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ id: request.id, ok: false, error: String(e && e.message || e) }) + '\n');
  }
  if (request.op === 'close') break;
}
process.exit(0);
