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
});
