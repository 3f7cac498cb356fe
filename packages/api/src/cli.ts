import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, openKeyService, usageReport, utcDay, type ApiKeyRecord, type UsageTotals } from '@aiphoto/core';

const USAGE = `Usage:
  aiphoto keys create --name NAME [--daily-limit N]   print a new API key (shown only this once)
  aiphoto keys list [--json]                           list keys (never the keys themselves)
  aiphoto keys revoke ID                               revoke a key; it stops working at once
  aiphoto keys usage ID [--days N] [--json]            what the key's units bought, by day and model (default 30 days)
  aiphoto keys webhook-secret ID [--rotate]            print the key's webhook signing secret (whsec_…); --rotate replaces it

Keys live in the SQLite file in AIPHOTO_DATA_DIR (default ./data), shared with the server.`;

class UsageError extends Error {}

function describeKey(key: ApiKeyRecord): string {
  const status = key.revokedAt ? `revoked ${key.revokedAt}` : 'active';
  const limit = key.dailyLimit === null ? 'default' : String(key.dailyLimit);
  return [key.id, key.name, `${key.prefix}…`, `limit ${limit}`, `created ${key.createdAt}`, status].join('\t');
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
      args: argv,
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
      io.stderr(`${USAGE}\n`);
      return values.help ? 0 : 2;
    }
    if (area !== 'keys' || !['create', 'list', 'revoke', 'usage', 'webhook-secret'].includes(command ?? '')) {
      throw new UsageError(`unknown command "${positionals.join(' ')}"`);
    }
    const config = loadConfig(env, { cwd });
    const { keys, ledger, close } = await openKeyService(config);
    try {
      switch (command) {
        case 'create': {
          const name = values.name?.trim();
          if (!name) throw new UsageError('keys create needs --name NAME');
          let dailyLimit: number | undefined;
          if (values['daily-limit'] !== undefined) {
            dailyLimit = Number(values['daily-limit']);
            if (!Number.isInteger(dailyLimit) || dailyLimit < 1) throw new UsageError('--daily-limit must be a whole number above 0');
          }
          const { key, record } = await keys.create({ name, dailyLimit });
          io.stdout(`${key}\n`);
          io.stderr(`Created ${record.id} ("${record.name}"). Store the key now: it is not kept and cannot be shown again.\n`);
          return 0;
        }
        case 'list': {
          const list = await keys.list();
          const safe = list.map(({ hash: _hash, ...key }) => key);
          if (values.json) io.stdout(`${JSON.stringify(safe, null, 2)}\n`);
          else io.stdout(list.length ? `${list.map(describeKey).join('\n')}\n` : '');
          if (!values.json && list.length === 0) io.stderr('No keys yet. Create one with: aiphoto keys create --name NAME\n');
          return 0;
        }
        case 'webhook-secret': {
          const [id] = rest;
          if (!id) throw new UsageError('keys webhook-secret needs the key ID (see keys list)');
          const secret = await keys.webhookSecret(id, { rotate: values.rotate });
          if (!secret) {
            io.stderr(`No key with ID ${id}.\n`);
            return 1;
          }
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
          if (!id) throw new UsageError('keys usage needs the key ID (see keys list)');
          const days = values.days === undefined ? 30 : Number(values.days);
          if (!Number.isInteger(days) || days < 1 || days > 400) throw new UsageError('--days must be a whole number from 1 to 400');
          if (!(await keys.list()).some((key) => key.id === id)) {
            io.stderr(`No key with ID ${id}.\n`);
            return 1;
          }
          const report = await usageReport(ledger, `key:${id}`, utcDay(new Date()), days);
          if (values.json) {
            io.stdout(`${JSON.stringify(report, null, 2)}\n`);
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
          const [id] = rest;
          if (!id) throw new UsageError('keys revoke needs the key ID (see keys list)');
          if (!(await keys.revoke(id))) {
            io.stderr(`No key with ID ${id}.\n`);
            return 1;
          }
          io.stderr(`Revoked ${id}. Requests with it now get 401 unauthorized.\n`);
          return 0;
        }
      }
    } finally {
      await close();
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`aiphoto: ${(error as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCli(
    process.argv.slice(2),
    process.env,
    { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) },
    process.env.INIT_CWD ?? process.cwd(),
  );
}
