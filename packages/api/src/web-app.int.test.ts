import { describe, expect, it } from 'vitest';
import { startTestServer } from './testing/harness.ts';
import { builtApp } from './testing/web.ts';

describe('serving the web app', () => {
  it('serves the page at / and, for any other page URL, falls back to it without swallowing the API', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_WEB_DIR: builtApp() } });
    const home = await t.fetch('/', { headers: { accept: 'text/html' } });
    expect([home.status, home.headers.get('cache-control')]).toEqual([200, 'no-cache']);
    expect(await home.text()).toContain('<div id="root">');
    const deep = await t.fetch('/gallery/123', { headers: { accept: 'text/html' } });
    expect([deep.status, deep.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    for (const page of [home, deep]) {
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    }

    const asset = await t.fetch('/assets/index-Ab12Cd34.js');
    expect([asset.status, asset.headers.get('cache-control')]).toEqual([200, 'public, max-age=31536000, immutable']);

    for (const pathname of ['/api/nope', '/trpc/nope', '/images/AAAAAAAAAAAAAAAAAAAAAAAA.png', '/assets/missing.js']) {
      const response = await t.fetch(pathname, { headers: { accept: 'text/html' } });
      expect(response.status, pathname).toBe(404);
      expect(response.headers.get('content-type'), pathname).toMatch(/^application\/json/);
    }
  });
});
