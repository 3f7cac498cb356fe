import { describe, expect, it } from 'vitest';
import { runCli } from './cli.ts';
import { makeDataDir } from './testing/harness.ts';

async function cli(argv: string[], env: Record<string, string> = { AIPHOTO_DATA_DIR: makeDataDir() }) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, env, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('aiphoto CLI', () => {
  it.each([
    [['keys', 'create'], /--name/],
    [['keys', 'create', '--name', 'x', '--daily-limit', '0'], /--daily-limit/],
    [['keys', 'create', '--name', 'x', '--daily-limit', 'lots'], /--daily-limit/],
    [['keys', 'revoke'], /key ID/],
    [['users', 'list'], /unknown command/],
    [['keys', 'list', '--bogus'], /bogus/],
  ])('refuses %j with usage help and exit code 2, printing nothing on stdout', async (argv, message) => {
    const result = await cli(argv);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Usage:');
  });

  it('names the variable when the configuration is bad', async () => {
    const result = await cli(['keys', 'list'], { AIPHOTO_DATA_DIR: makeDataDir(), AIPHOTO_FREE_DAILY_LIMIT: 'many' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('AIPHOTO_FREE_DAILY_LIMIT');
  });
});
