import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeDataDir } from './testing/harness.ts';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../..');

describe('aiphoto keys (the real command, from the repository root: pnpm exec aiphoto, the package\'s bin)', () => {
  it('create prints the key and only the key on stdout; list and revoke manage it', async () => {
    const env = { ...process.env, AIPHOTO_DATA_DIR: makeDataDir() };
    const created = await run('pnpm', ['exec', 'aiphoto', 'keys', 'create', '--name', 'ci-bot', '--daily-limit', '25'], {
      cwd: repoRoot,
      env,
    });
    expect(created.stdout).toMatch(/^aip_[A-Za-z0-9_-]{43}\n$/);
    expect(created.stderr).toContain('cannot be shown again');

    const listed = await run('pnpm', ['exec', 'aiphoto', 'keys', 'list'], { cwd: repoRoot, env });
    expect(listed.stdout).toContain('ci-bot');
    expect(listed.stdout).toMatch(/ci-bot\s+aip_\S+…\s+25\s/);
    expect(listed.stdout).toContain(`${created.stdout.slice(0, 12)}…`);
    expect(listed.stdout).not.toContain(created.stdout.trim());
    const id = /key_[A-Za-z0-9_-]+/.exec(listed.stdout)![0];

    await run('pnpm', ['exec', 'aiphoto', 'keys', 'revoke', id], { cwd: repoRoot, env });
    expect((await run('pnpm', ['exec', 'aiphoto', 'keys', 'list'], { cwd: repoRoot, env })).stdout).toContain('revoked');

    const missing = await run('pnpm', ['exec', 'aiphoto', 'keys', 'revoke', 'key_nope'], { cwd: repoRoot, env }).catch((e) => e);
    // One line, exit 2, and nothing from pnpm around it.
    expect([missing.code, missing.stderr]).toEqual([2, 'aiphoto: no key with ID key_nope (see aiphoto keys list)\n']);
  });

  it('pnpm aiphoto (the root script) runs the same command and passes its exit code on', async () => {
    const env = { ...process.env, AIPHOTO_DATA_DIR: makeDataDir() };
    const created = await run('pnpm', ['aiphoto', 'keys', 'create', '--name', 'via-script'], { cwd: repoRoot, env });
    expect(created.stdout).toMatch(/aip_[A-Za-z0-9_-]{43}\n$/);
    const refused = await run('pnpm', ['aiphoto', 'keys', 'create', '--name', 'x', '--daily-limit', '-5'], { cwd: repoRoot, env }).catch((e) => e);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('aiphoto: --daily-limit must be a positive whole number (got "-5")\n');
    expect(refused.stderr).not.toContain('ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL');
  });

  it('webhook-secret prints the key\'s signing secret, the same one each time until --rotate', async () => {
    const env = { ...process.env, AIPHOTO_DATA_DIR: makeDataDir() };
    await run('pnpm', ['exec', 'aiphoto', 'keys', 'create', '--name', 'hooks'], { cwd: repoRoot, env });
    const id = /key_[A-Za-z0-9_-]+/.exec((await run('pnpm', ['exec', 'aiphoto', 'keys', 'list'], { cwd: repoRoot, env })).stdout)![0];
    const first = await run('pnpm', ['exec', 'aiphoto', 'keys', 'webhook-secret', id], { cwd: repoRoot, env });
    expect(first.stdout).toMatch(/^whsec_[A-Za-z0-9+/]{43}=\n$/);
    expect((await run('pnpm', ['exec', 'aiphoto', 'keys', 'webhook-secret', id], { cwd: repoRoot, env })).stdout).toBe(first.stdout);
    const rotated = await run('pnpm', ['exec', 'aiphoto', 'keys', 'webhook-secret', id, '--rotate'], { cwd: repoRoot, env });
    expect(rotated.stdout).toMatch(/^whsec_/);
    expect(rotated.stdout).not.toBe(first.stdout);
    expect(rotated.stderr).toContain('Rotated');
    // The secret never shows in the key list.
    expect((await run('pnpm', ['exec', 'aiphoto', 'keys', 'list', '--json'], { cwd: repoRoot, env })).stdout).not.toContain('whsec_');
    const missing = await run('pnpm', ['exec', 'aiphoto', 'keys', 'webhook-secret', 'key_nope'], { cwd: repoRoot, env }).catch((e) => e);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no key with ID key_nope');
  });
});
