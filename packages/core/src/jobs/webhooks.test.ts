import { describe, expect, it } from 'vitest';
import { WebhookPolicy, newWebhookSecret } from './webhooks.ts';

const lookup = (policy: WebhookPolicy, hostname: string) =>
  new Promise<{ error: Error | null; address: unknown }>((resolve) =>
    policy.lookupFor(hostname)(hostname, {}, (error, address) => resolve({ error, address })),
  );

describe('WebhookPolicy', () => {
  it('accepts https to public addresses and nothing else by default', async () => {
    const policy = new WebhookPolicy();
    expect((await policy.check('https://93.184.215.14/hooks?x=1')).href).toBe('https://93.184.215.14/hooks?x=1');
    expect((await policy.check('https://[2606:4700::1111]/hook')).hostname).toBe('[2606:4700::1111]');
    for (const url of ['https://127.0.0.1/', 'https://10.0.0.1/', 'https://[fe80::1]/', 'https://[64:ff9b::a00:1]/', 'https://224.0.0.1/', 'https://255.255.255.255/', 'http://93.184.215.14/']) {
      await expect(policy.check(url), url).rejects.toMatchObject({ code: 'invalid_request', field: 'webhook_url' });
    }
  });

  it('lets the operator allow host names and networks, over http too', async () => {
    const policy = new WebhookPolicy(['hooks.internal', '10.20.0.0/16', '::1', ' ']);
    expect((await policy.check('http://10.20.3.4:8080/h')).port).toBe('8080');
    expect((await policy.check('http://[::1]/h')).hostname).toBe('[::1]');
    await expect(policy.check('http://10.21.0.1/h')).rejects.toMatchObject({ code: 'invalid_request' });
    // A listed name is the operator's word: not looked up at submission (this one resolves nowhere here).
    expect((await policy.check('http://hooks.internal/h')).hostname).toBe('hooks.internal');
    expect(policy.literalRefusal(new URL('http://10.20.1.1/'))).toBeUndefined();
    expect(policy.literalRefusal(new URL('http://10.30.1.1/'))).toMatch(/AIPHOTO_WEBHOOK_ALLOW_HOSTS/);
  });

  it('refuses at connection time a name that resolves to a private address (no DNS rebinding)', async () => {
    const refused = await lookup(new WebhookPolicy(), 'localhost');
    expect(refused.error?.message).toMatch(/no address webhooks may reach/);
    const allowed = await lookup(new WebhookPolicy(['localhost']), 'localhost');
    expect(allowed.error).toBeNull();
    expect(['127.0.0.1', '::1']).toContain(allowed.address);
  });

  it('makes secrets in the Standard Webhooks form, each one new', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('says why a URL is refused, in words naming the field', async () => {
    const policy = new WebhookPolicy();
    const refusals: [string, RegExp][] = [
      [`https://93.184.215.14/${'a'.repeat(2049 - 'https://93.184.215.14/'.length)}`, /^webhook_url must be at most 2048 characters\.$/],
      ['no scheme at all', /^webhook_url must be an absolute URL\.$/],
      ['ftp://93.184.215.14/h', /^webhook_url must be an https URL\.$/],
      ['https://u:p@93.184.215.14/h', /^webhook_url must not carry credentials\.$/],
      ['https://10.0.0.1/h', /^webhook_url may not be used: 10\.0\.0\.1 resolves to 10\.0\.0\.1, a private address; the operator can allow it with AIPHOTO_WEBHOOK_ALLOW_HOSTS\.$/],
      ['http://93.184.215.14/h', /^webhook_url must be an https URL \(plain http only to hosts the operator allows\)\.$/],
    ];
    for (const [url, message] of refusals) await expect(policy.check(url), url).rejects.toThrow(message);
    // Exactly at the limit is fine.
    const longest = `https://93.184.215.14/${'a'.repeat(2048 - 'https://93.184.215.14/'.length)}`;
    expect((await policy.check(longest)).href).toHaveLength(2048);
  });

  it('sees through IPv4 addresses written as IPv6, for refusing and for allowing', async () => {
    expect((await new WebhookPolicy().check('https://[::ffff:93.184.215.14]/h')).protocol).toBe('https:');
    await expect(new WebhookPolicy().check('https://[::ffff:10.0.0.1]/h')).rejects.toMatchObject({ code: 'invalid_request' });
    expect((await new WebhookPolicy(['10.0.0.1']).check('http://[::ffff:10.0.0.1]/h')).protocol).toBe('http:');
  });

  it('allows a single listed address exactly, not its neighbours', async () => {
    const policy = new WebhookPolicy(['10.9.9.9', ' ::1 ']);
    expect((await policy.check('http://10.9.9.9/h')).hostname).toBe('10.9.9.9');
    await expect(policy.check('http://10.9.9.10/h')).rejects.toMatchObject({ code: 'invalid_request' });
    expect((await policy.check('http://[::1]/h')).hostname).toBe('[::1]');
    await expect(policy.check('http://[::2]/h')).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('answers a connection lookup with one address, or all of them when asked, with their families', async () => {
    const policy = new WebhookPolicy(['localhost']);
    const all = await new Promise<unknown>((resolve, reject) =>
      policy.lookupFor('localhost')('localhost', { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
    );
    expect(Array.isArray(all)).toBe(true);
    for (const entry of all as { address: string; family: number }[]) expect(entry.family).toBe(entry.address.includes(':') ? 6 : 4);
    const one = await new Promise<[string, number]>((resolve, reject) =>
      policy.lookupFor('localhost')('localhost', {}, (error, address, family) => (error ? reject(error) : resolve([address as string, family as number]))),
    );
    expect(one[1]).toBe(one[0].includes(':') ? 6 : 4);
  });
});
