import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchBrowser } from './testing/browser.ts';
import { startTestServer } from './testing/harness.ts';

const screenshots = path.resolve(import.meta.dirname, '../test-output');

describe('the docs page in a real browser', () => {
  it('renders every operation while requesting nothing but this server', async () => {
    await using t = await startTestServer();
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      await page.goto(`${t.baseUrl}/api/docs`);
      await page.getByText('AIPhoto API', { exact: false }).first().waitFor();
      await page.locator('.opblock-summary-path', { hasText: '/generate' }).first().waitFor();
      const paths = await page.locator('.opblock-summary-path').allTextContents();
      expect(paths.map((p) => p.replace(/\u200b/g, ''))).toEqual(
        expect.arrayContaining(['/generate', '/status', '/models', '/images/{file}', '/healthz']),
      );
      fs.mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: path.join(screenshots, 'api-docs.png'), fullPage: false });
      expect(requested.length).toBeGreaterThan(3);
      const foreign = requested.filter((url) => !url.startsWith(t.baseUrl) && !url.startsWith('data:'));
      expect(foreign).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it.each(['localhost', '127.0.0.1'])('runs "Try it out" against this server when opened at %s', async (address) => {
    await using t = await startTestServer();
    const origin = t.baseUrl.replace('localhost', address);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      await page.goto(`${origin}/api/docs`);
      await page.locator('.opblock-summary-path', { hasText: '/status' }).first().click();
      // The docs page opens operations with "Try it out" already on.
      await page.getByRole('button', { name: 'Execute' }).click();
      const status = page.locator('.live-responses-table tbody .response-col_status').first();
      await status.waitFor();
      expect((await status.textContent())?.trim()).toBe('200');
      expect(await page.locator('.live-responses-table .microlight').first().textContent()).toContain('"usage_today": 0');
      expect(consoleErrors.filter((text) => /CORS|Content Security Policy|Failed to fetch/i.test(text))).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
