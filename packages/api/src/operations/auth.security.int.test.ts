import { describe, expect, it } from 'vitest';
import { rateLimitOf, startTestServer } from '../testing/harness.ts';

async function expectUnauthorized(response: Response) {
  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({ success: false, error: 'unauthorized', message: expect.any(String) });
  expect(rateLimitOf(response).limit).toBeGreaterThan(0);
}

describe('API keys over HTTP', () => {
  it.each([
    ['a Basic header', 'Basic dXNlcjpwYXNz'],
    ['Bearer with no key', 'Bearer'],
    ['Bearer with two words', 'Bearer aip_x aip_y'],
    ['an empty header', ''],
    ['an unknown well-formed key', `Bearer aip_${'A'.repeat(43)}`],
    ['a non-aip token', 'Bearer sk-abc123'],
  ])('refuses %s with 401 and never falls back to the free plan', async (_, authorization) => {
    await using t = await startTestServer();
    await expectUnauthorized(await t.generate({ prompt: 'a cat' }, { authorization }));
    await expectUnauthorized(await t.fetch('/api/status', { headers: { authorization } }));
    await expectUnauthorized(await t.fetch('/api/models', { headers: { authorization } }));
    expect((await (await t.fetch('/api/status')).json()).usage_today).toBe(0);
  });

  it('checks the key before validating the body (401 before 400, 413 and 415)', async () => {
    await using t = await startTestServer();
    const authorization = 'Bearer not-a-key';
    await expectUnauthorized(await t.generate({ prompt: '' }, { authorization }));
    await expectUnauthorized(await t.generate({ prompt: 'x'.repeat(100_000) }, { authorization }));
    await expectUnauthorized(
      await t.fetch('/api/generate', { method: 'POST', headers: { authorization, 'content-type': 'text/plain' }, body: 'x' }),
    );
  });

  it('stops accepting a key the moment it is revoked from the CLI', async () => {
    await using t = await startTestServer();
    const created = await t.cli('keys', 'create', '--name', 'soon-revoked');
    const authorization = `Bearer ${created.stdout.trim()}`;
    expect((await t.generate({ prompt: 'a cat' }, { authorization })).status).toBe(200);
    const [id] = created.stderr.match(/key_[A-Za-z0-9_-]+/)!;
    expect((await t.cli('keys', 'revoke', id)).code).toBe(0);
    await expectUnauthorized(await t.generate({ prompt: 'a cat' }, { authorization }));
    const listed = await t.cli('keys', 'list', '--json');
    expect(JSON.parse(listed.stdout)[0]).toMatchObject({ id, revoked_at: expect.any(String) });
  });

  it('never writes a key to the logs, the database file or a response', async () => {
    await using t = await startTestServer();
    const { stdout } = await t.cli('keys', 'create', '--name', 'secret');
    const key = stdout.trim();
    const responses = [
      await t.generate({ prompt: 'a cat' }, { authorization: `Bearer ${key}` }),
      await t.fetch('/api/status', { headers: { authorization: `Bearer ${key}` } }),
      await t.fetch('/api/nope', { headers: { authorization: `Bearer ${key}` } }),
      await t.generate({ prompt: 'a cat' }, { authorization: `Bearer ${key}x` }),
    ];
    for (const response of responses) {
      expect(await response.text()).not.toContain(key.slice(4));
      expect([...response.headers.values()].join(' ')).not.toContain(key.slice(4));
    }
    const logs = t.logs();
    expect(logs).toContain('request completed');
    expect(logs).not.toContain(key.slice(4));
    const listed = await t.cli('keys', 'list', '--json');
    expect(listed.stdout).not.toContain(key.slice(4));
    expect(listed.stdout).not.toContain('hash');
  });
});
