import fs from 'node:fs';
import path from 'node:path';
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
    [['keys', 'create'], 'aiphoto: keys create needs --name NAME'],
    [['keys', 'create', '--name', 'x', '--daily-limit', '0'], 'aiphoto: --daily-limit must be a positive whole number (got "0")'],
    [['keys', 'create', '--name', 'x', '--daily-limit', '-5'], 'aiphoto: --daily-limit must be a positive whole number (got "-5")'],
    [['keys', 'create', '--name', 'x', '--daily-limit', 'lots'], 'aiphoto: --daily-limit must be a positive whole number (got "lots")'],
    [['keys', 'create', '--name', 'x', '--daily-limit', '2.5'], 'aiphoto: --daily-limit must be a positive whole number (got "2.5")'],
    [['keys', 'usage', 'key_x', '--days', '-1'], 'aiphoto: --days must be a positive whole number up to 400 (got "-1")'],
    [['keys', 'revoke'], 'aiphoto: keys revoke needs the key ID (see aiphoto keys list) or the key itself'],
    [['keys', 'revoke', 'key_nope'], 'aiphoto: no key with ID key_nope (see aiphoto keys list)'],
    [['keys', 'webhook-secret', 'key_nope'], 'aiphoto: no key with ID key_nope (see aiphoto keys list)'],
    [['users', 'list'], 'aiphoto: unknown command "users list" (aiphoto --help lists the commands)'],
  ])('refuses %j in one line on stderr with exit code 2, printing nothing on stdout', async (argv, message) => {
    expect(await cli(argv)).toEqual({ code: 2, stdout: '', stderr: `${message}\n` });
  });

  it('refuses an unknown option in one line too', async () => {
    const result = await cli(['keys', 'list', '--bogus']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^aiphoto: .*--bogus.*\n$/);
    expect(result.stderr.split('\n')).toHaveLength(2);
  });

  it('prints its usage, ending with a newline, for --help (exit 0) and for no command (exit 2)', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stderr).toMatch(/^Usage:\n[\s\S]*shared with the server\.\n$/);
    expect((await cli([])).code).toBe(2);
  });

  it('names the variable when the configuration is bad, in one line', async () => {
    const result = await cli(['keys', 'list'], { AIPHOTO_DATA_DIR: makeDataDir(), AIPHOTO_FREE_DAILY_LIMIT: 'many' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^aiphoto: AIPHOTO_FREE_DAILY_LIMIT: [^\n]+\n$/);
  });

  it('says in one sentence when the data directory cannot be written', async () => {
    const file = path.join(makeDataDir(), 'not-a-directory');
    fs.writeFileSync(file, '');
    const result = await cli(['keys', 'list'], { AIPHOTO_DATA_DIR: file });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^aiphoto: [^\n]+\n$/);
    expect(result.stderr).not.toContain('    at ');
  });

  it('lists keys with a header row, the effective limit, today\'s usage and when each last spent a unit; --json in the API\'s snake_case', async () => {
    const env = { AIPHOTO_DATA_DIR: makeDataDir() };
    const { stdout: key } = await cli(['keys', 'create', '--name', 'ci bot'], env);
    await cli(['keys', 'create', '--name', 'small', '--daily-limit', '25'], env);
    const listed = await cli(['keys', 'list'], env);
    const [header, ...rows] = listed.stdout.trimEnd().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(['ID', 'NAME', 'PREFIX', 'DAILY LIMIT', 'USED TODAY', 'LAST USED (UTC)', 'CREATED (UTC)', 'STATUS']);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^key_\S+\s{2,}ci bot\s{2,}aip_\S+…\s{2,}1000 \(default\)\s{2,}0\s{2,}—\s{2,}\d{4}-\d\d-\d\d \d\d:\d\dZ\s{2,}active$/);
    expect(rows[1]).toContain('25  ');
    expect(listed.stdout).not.toContain(key.trim());

    const json = JSON.parse((await cli(['keys', 'list', '--json'], env)).stdout);
    expect(Object.keys(json[0]).sort()).toEqual(['created_at', 'daily_limit', 'effective_daily_limit', 'id', 'last_used_at', 'name', 'prefix', 'revoked_at', 'used_today']);
    expect(json[1]).toMatchObject({ name: 'small', daily_limit: 25, effective_daily_limit: 25, used_today: 0, last_used_at: null, revoked_at: null });
  });

  it('revokes by ID or by the key itself (found by its hash), and says so when the key was already revoked', async () => {
    const env = { AIPHOTO_DATA_DIR: makeDataDir() };
    const key = (await cli(['keys', 'create', '--name', 'leaked'], env)).stdout.trim();
    const [{ id }] = JSON.parse((await cli(['keys', 'list', '--json'], env)).stdout);
    const byKey = await cli(['keys', 'revoke', key], env);
    expect(byKey).toEqual({ code: 0, stdout: '', stderr: `That is the key itself; found ${id} ("leaked") by its hash and revoked it. Requests with it now get 401 unauthorized.\n` });
    const again = await cli(['keys', 'revoke', id], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`^${id} \\("leaked"\\) was already revoked at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ; nothing changed\\.\\n$`));
    expect(JSON.parse((await cli(['keys', 'list', '--json'], env)).stdout)[0].revoked_at).toEqual(expect.any(String));
    expect((await cli(['keys', 'revoke', 'aip_neverIssuedHere0123456789abcdefghijklmnopqrs'], env)).stderr).toBe('aiphoto: no key matches that key (it was never issued here, or it was mistyped)\n');
  });
});
