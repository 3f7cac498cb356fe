import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeDataDir } from './testing/harness.ts';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../..');

describe('pnpm aiphoto keys (the real command, from the repository root)', () => {
  it('create prints the key and only the key on stdout; list and revoke manage it', async () => {
    const env = { ...process.env, AIPHOTO_DATA_DIR: makeDataDir() };
    const created = await run('pnpm', ['aiphoto', 'keys', 'create', '--name', 'ci-bot', '--daily-limit', '25'], {
      cwd: repoRoot,
      env,
    });
    expect(created.stdout).toMatch(/^aip_[A-Za-z0-9_-]{43}\n$/);
    expect(created.stderr).toContain('cannot be shown again');

    const listed = await run('pnpm', ['aiphoto', 'keys', 'list'], { cwd: repoRoot, env });
    expect(listed.stdout).toContain('ci-bot');
    expect(listed.stdout).toContain('limit 25');
    expect(listed.stdout).toContain(`${created.stdout.slice(0, 12)}…`);
    expect(listed.stdout).not.toContain(created.stdout.trim());
    const id = /key_[A-Za-z0-9_-]+/.exec(listed.stdout)![0];

    await run('pnpm', ['aiphoto', 'keys', 'revoke', id], { cwd: repoRoot, env });
    expect((await run('pnpm', ['aiphoto', 'keys', 'list'], { cwd: repoRoot, env })).stdout).toContain('revoked');

    const missing = await run('pnpm', ['aiphoto', 'keys', 'revoke', 'key_nope'], { cwd: repoRoot, env }).catch((e) => e);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('No key with ID key_nope');
  });

  it('webhook-secret prints the key\'s signing secret, the same one each time until --rotate', async () => {
    const env = { ...process.env, AIPHOTO_DATA_DIR: makeDataDir() };
    await run('pnpm', ['aiphoto', 'keys', 'create', '--name', 'hooks'], { cwd: repoRoot, env });
    const id = /key_[A-Za-z0-9_-]+/.exec((await run('pnpm', ['aiphoto', 'keys', 'list'], { cwd: repoRoot, env })).stdout)![0];
    const first = await run('pnpm', ['aiphoto', 'keys', 'webhook-secret', id], { cwd: repoRoot, env });
    expect(first.stdout).toMatch(/^whsec_[A-Za-z0-9+/]{43}=\n$/);
    expect((await run('pnpm', ['aiphoto', 'keys', 'webhook-secret', id], { cwd: repoRoot, env })).stdout).toBe(first.stdout);
    const rotated = await run('pnpm', ['aiphoto', 'keys', 'webhook-secret', id, '--rotate'], { cwd: repoRoot, env });
    expect(rotated.stdout).toMatch(/^whsec_/);
    expect(rotated.stdout).not.toBe(first.stdout);
    expect(rotated.stderr).toContain('Rotated');
    // The secret never shows in the key list.
    expect((await run('pnpm', ['aiphoto', 'keys', 'list', '--json'], { cwd: repoRoot, env })).stdout).not.toContain('whsec_');
    const missing = await run('pnpm', ['aiphoto', 'keys', 'webhook-secret', 'key_nope'], { cwd: repoRoot, env }).catch((e) => e);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('No key with ID key_nope');
  });
});
