import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, openKeyService, usageReport, utcDay, type ApiKeyRecord, type UsageTotals } from '@aiphoto/core';
import { usageBody } from './operations/usage.ts';

const USAGE = `Usage:
  aiphoto keys create --name NAME [--daily-limit N]   print a new API key (shown only this once)
  aiphoto keys list [--json]                           list keys with today's usage (never the keys themselves)
  aiphoto keys revoke ID|KEY                           revoke a key; it stops working at once
  aiphoto keys usage ID [--days N] [--json]            what the key's units bought, by day and model (default 30 days)
  aiphoto keys webhook-secret ID [--rotate]            print the key's webhook signing secret (whsec_…); --rotate replaces it

Keys live in the SQLite file in AIPHOTO_DATA_DIR (default ./data), shared with the server.
`;

/** A mistake of the caller's: one line on stderr, exit code 2. */
class CliError extends Error {}

/** Options that take a value; a value that starts with "-" (a negative number) is still theirs. */
const VALUE_OPTIONS = new Set(['--name', '--daily-limit', '--days']);

function joinNegativeValues(argv: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (VALUE_OPTIONS.has(argv[i]!) && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${argv[i]}=${next}`);
      i++;
    } else joined.push(argv[i]!);
  }
  return joined;
}

function positiveWholeNumber(option: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1 || number > max) {
    throw new CliError(`${option} must be a positive whole number${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''} (got "${value}")`);
  }
  return number;
}

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  daily_limit: number | null;
  effective_daily_limit: number;
  used_today: number;
  last_used_at: string | null;
  created_at: string;
  revoked_at: string | null;
}

const minute = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')}Z` : '—');

function table(rows: KeyRow[]): string {
  const header = ['ID', 'NAME', 'PREFIX', 'DAILY LIMIT', 'USED TODAY', 'LAST USED (UTC)', 'CREATED (UTC)', 'STATUS'];
  const cells = rows.map((row) => [
    row.id,
    row.name,
    `${row.prefix}…`,
    `${row.effective_daily_limit}${row.daily_limit === null ? ' (default)' : ''}`,
    String(row.used_today),
    minute(row.last_used_at),
    minute(row.created_at),
    row.revoked_at ? `revoked ${minute(row.revoked_at)}` : 'active',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
  return [header, ...cells].map((line) => line.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

/** Returns the process exit code. stdout carries only what a script would keep: a key, a secret, a list. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: { stdout: (text: string) => void; stderr: (text: string) => void },
  cwd = process.cwd(),
): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(argv),
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        'daily-limit': { type: 'string' },
        json: { type: 'boolean', default: false },
        days: { type: 'string' },
        rotate: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const [area, command, ...rest] = positionals;
    if (values.help || area === undefined) {
      io.stderr(USAGE);
      return values.help ? 0 : 2;
    }
    if (area !== 'keys' || !['create', 'list', 'revoke', 'usage', 'webhook-secret'].includes(command ?? '')) {
      throw new CliError(`unknown command "${positionals.join(' ')}" (aiphoto --help lists the commands)`);
    }
    const config = loadConfig(env, { cwd });
    const { keys, ledger, quota, close } = await openKeyService(config);
    const findKey = async (id: string) => {
      const key = (await keys.list()).find((candidate) => candidate.id === id);
      if (!key) throw new CliError(`no key with ID ${id} (see aiphoto keys list)`);
      return key;
    };
    try {
      switch (command) {
        case 'create': {
          const name = values.name?.trim();
          if (!name) throw new CliError('keys create needs --name NAME');
          const dailyLimit = values['daily-limit'] === undefined ? undefined : positiveWholeNumber('--daily-limit', values['daily-limit']);
          const { key, record } = await keys.create({ name, dailyLimit });
          io.stdout(`${key}\n`);
          io.stderr(`Created ${record.id} ("${record.name}"). Store the key now: it is not kept and cannot be shown again.\n`);
          return 0;
        }
        case 'list': {
          const today = utcDay(new Date());
          const rows: KeyRow[] = await Promise.all(
            (await keys.list()).map(async (key) => ({
              id: key.id,
              name: key.name,
              prefix: key.prefix,
              daily_limit: key.dailyLimit,
              effective_daily_limit: key.dailyLimit ?? config.proDailyLimit,
              used_today: await quota.usage(`key:${key.id}`, today),
              last_used_at: (await ledger.lastUsed(`key:${key.id}`)) ?? null,
              created_at: key.createdAt,
              revoked_at: key.revokedAt,
            })),
          );
          if (values.json) io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
          else if (rows.length > 0) io.stdout(`${table(rows)}\n`);
          else io.stderr('No keys yet. Create one with: aiphoto keys create --name NAME\n');
          return 0;
        }
        case 'webhook-secret': {
          const [id] = rest;
          if (!id) throw new CliError('keys webhook-secret needs the key ID (see aiphoto keys list)');
          const secret = await keys.webhookSecret(id, { rotate: values.rotate });
          if (!secret) throw new CliError(`no key with ID ${id} (see aiphoto keys list)`);
          io.stdout(`${secret}\n`);
          io.stderr(
            values.rotate
              ? `Rotated the webhook secret of ${id}; receivers must verify with this one from now on.\n`
              : `Webhooks for jobs of ${id} are signed with this secret (Standard Webhooks); verify them with it.\n`,
          );
          return 0;
        }
        case 'usage': {
          const [id] = rest;
          if (!id) throw new CliError('keys usage needs the key ID (see aiphoto keys list)');
          const days = values.days === undefined ? 30 : positiveWholeNumber('--days', values.days, 400);
          await findKey(id);
          const report = await usageReport(ledger, `key:${id}`, utcDay(new Date()), days);
          if (values.json) {
            io.stdout(`${JSON.stringify(usageBody(report), null, 2)}\n`);
            return 0;
          }
          const cost = (value: UsageTotals) =>
            [
              value.pricedUnits === 0 ? 'cost unknown' : `$${value.costUsd.toFixed(4)}${value.pricedUnits < value.units ? ` (${value.units - value.pricedUnits} units unpriced)` : ''}`,
              ...(value.inputTokens + value.outputTokens > 0 ? [`${value.inputTokens} input + ${value.outputTokens} output tokens`] : []),
            ].join(', ');
          const lines = report.days.flatMap((day) => day.models.map((model) => [day.day, model.model, `${model.units} units`, cost(model)].join('\t')));
          io.stdout(lines.length ? `${lines.join('\n')}\n` : '');
          io.stderr(`${id}, ${report.from} to ${report.to}: ${report.totals.units} units, ${cost(report.totals)}.\n`);
          return 0;
        }
        default: {
          const [given] = rest;
          if (!given) throw new CliError('keys revoke needs the key ID (see aiphoto keys list) or the key itself');
          // The key itself (aip_…) instead of its ID: found by its hash, as the server finds it.
          let found: ApiKeyRecord;
          let byHash = false;
          if (given.startsWith('aip_')) {
            const verification = await keys.verify(given);
            if (verification.status !== 'valid' && verification.status !== 'revoked') throw new CliError('no key matches that key (it was never issued here, or it was mistyped)');
            found = verification.key;
            byHash = true;
          } else {
            found = await findKey(given);
          }
          const named = `${found.id} ("${found.name}")`;
          if (found.revokedAt) {
            io.stderr(`${named} was already revoked at ${minute(found.revokedAt)}; nothing changed.\n`);
            return 0;
          }
          await keys.revoke(found.id);
          io.stderr(`${byHash ? `That is the key itself; found ${named} by its hash and revoked it` : `Revoked ${named}`}. Requests with it now get 401 unauthorized.\n`);
          return 0;
        }
      }
    } finally {
      await close();
    }
  } catch (error) {
    const parseError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (error instanceof CliError) {
      io.stderr(`aiphoto: ${error.message}\n`);
      return 2;
    }
    if (parseError) {
      io.stderr(`aiphoto: ${(error as Error).message.split('\n')[0]} (aiphoto --help lists the commands)\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.stderr(`aiphoto: ${error.problems.join('; ')}\n`);
      return 2;
    }
    // A store that cannot be opened (an unwritable AIPHOTO_DATA_DIR, Redis down): one sentence, no stack.
    io.stderr(`aiphoto: ${(error as Error).message}\n`);
    return 2;
  }
}

/** The command line's entry point (bin/aiphoto.mjs and `node src/cli.ts`). */
export async function main(): Promise<void> {
  process.exitCode = await runCli(
    process.argv.slice(2),
    process.env,
    { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) },
    process.env.INIT_CWD ?? process.cwd(),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
