import { afterAll, describe, expect, it } from 'vitest';
import type { ApiKeyRecord, KeyStore } from './key-store.ts';

const record = (id: string, createdAt: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id,
  name: `name of ${id}`,
  prefix: 'aip_XXXXXXXX',
  hash: `hash-of-${id}`,
  dailyLimit: null,
  createdAt,
  revokedAt: null,
  ...overrides,
});

/** Every key store must behave the same; each implementation runs this suite. */
export function describeKeyStore(name: string, setup: () => { open: () => Promise<KeyStore>; cleanup: () => void | Promise<void> }) {
  describe(`${name} key store`, () => {
    const { open, cleanup } = setup();
    afterAll(cleanup);

    it('finds a record by its hash, whole, and nothing for an unknown hash', async () => {
      const store = await open();
      const stored = record('key_find', '2026-11-25T10:00:00.000Z', { dailyLimit: 7 });
      await store.insert(stored);
      expect(await store.findByHash('hash-of-key_find')).toEqual(stored);
      expect(await store.findByHash('hash-of-nobody')).toBeUndefined();
    });

    it('lists by creation time, then by id', async () => {
      const store = await open();
      await store.insert(record('key_c', '2026-11-25T10:00:02.000Z'));
      await store.insert(record('key_b', '2026-11-25T10:00:01.000Z'));
      await store.insert(record('key_a', '2026-11-25T10:00:02.000Z'));
      const ids = (await store.list()).map((listed) => listed.id).filter((id) => ['key_a', 'key_b', 'key_c'].includes(id));
      expect(ids).toEqual(['key_b', 'key_a', 'key_c']);
    });

    it('revokes once: a second revocation keeps the first time', async () => {
      const store = await open();
      await store.insert(record('key_r', '2026-11-25T10:00:00.000Z'));
      expect(await store.revoke('key_r', '2026-11-25T11:00:00.000Z')).toBe(true);
      expect(await store.revoke('key_r', '2026-11-25T12:00:00.000Z')).toBe(true);
      expect((await store.findByHash('hash-of-key_r'))?.revokedAt).toBe('2026-11-25T11:00:00.000Z');
      expect(await store.revoke('key_missing', '2026-11-25T11:00:00.000Z')).toBe(false);
    });

    it('keeps a webhook secret once set, until it is replaced, and never in the key record', async () => {
      const store = await open();
      await store.insert(record('key_w', '2026-11-25T10:00:00.000Z'));
      expect(await store.webhookSecret('key_w')).toBeUndefined();
      expect(await store.setWebhookSecret('key_w', 'whsec_first', true)).toBe('whsec_first');
      expect(await store.setWebhookSecret('key_w', 'whsec_second', true)).toBe('whsec_first');
      expect(await store.setWebhookSecret('key_w', 'whsec_third', false)).toBe('whsec_third');
      expect(await store.webhookSecret('key_w')).toBe('whsec_third');
      expect(JSON.stringify(await store.list())).not.toContain('whsec_');
      // No key, no secret: nothing is kept for an id that names nothing.
      expect(await store.setWebhookSecret('key_nobody', 'whsec_x', true)).toBeUndefined();
      expect(await store.setWebhookSecret('key_nobody', 'whsec_x', false)).toBeUndefined();
      expect(await store.webhookSecret('key_nobody')).toBeUndefined();
    });
  });
}
