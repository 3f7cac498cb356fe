import { Writable } from 'node:stream';
import type { Config } from './config.ts';

/**
 * Secrets that can reach a log line by other roads than a known field: a library logging
 * raw headers at trace level, a provider error body echoing the credentials it was sent.
 * Patterns catch any AIPhoto key, webhook signing secret and bearer token; the configured
 * values catch the operator's own provider, storage and Redis credentials however a body
 * spells them. This is the server's only redaction: by value, on every line, whatever field
 * or message holds the secret.
 */
const PATTERNS: [RegExp, string][] = [
  [/aip_[A-Za-z0-9_-]{8,}/g, 'aip_[redacted]'],
  [/whsec_[A-Za-z0-9+/=]{8,}/g, 'whsec_[redacted]'],
  [/(Bearer|Basic|Token|Key)(\s+|\\u0020|%20)[A-Za-z0-9._~+/:=-]{8,}/gi, '$1$2[redacted]'],
];

/** Values shorter than this are not treated as secrets: replacing them would garble logs. */
const MIN_SECRET_LENGTH = 6;

export function configuredSecrets(config: Pick<Config, 'providers' | 'models' | 's3' | 'redisUrl'>): string[] {
  const values: (string | undefined)[] = Object.values(config.providers).map((provider) => provider.apiKey);
  for (const model of config.models) for (const candidate of model.candidates) values.push(candidate.settings.apiKey || undefined);
  values.push(config.s3?.credentials?.secretAccessKey, config.s3?.credentials?.sessionToken);
  if (config.redisUrl) values.push(decodeURIComponent(new URL(config.redisUrl).password) || undefined);
  return values.filter((value): value is string => value !== undefined && value.length >= MIN_SECRET_LENGTH);
}

export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (result.includes(secret)) result = result.replaceAll(secret, '[redacted]');
  for (const [pattern, replacement] of PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/** Scrubs each line on its way to the log destination (pino's `streamWrite` hook): at every level, whatever wrote it. */
export function lineRedactor(secrets: readonly string[]): (line: string) => string {
  return (line) => redactSecrets(line, secrets);
}
