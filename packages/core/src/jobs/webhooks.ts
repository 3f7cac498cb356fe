import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { randomBytes } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { Webhook } from 'standardwebhooks';
import { InvalidRequestError } from '../errors.ts';
import type { WebhookAttempt } from './job-store.ts';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** A new signing secret in the Standard Webhooks form: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * An address a webhook may reach without the operator saying so: ordinary public unicast.
 * Loopback, private, link-local, carrier-grade NAT, multicast, reserved, and IPv6 forms that
 * embed an IPv4 address (mapped, NAT64, 6to4, Teredo) are all refused, by ipaddr.js's ranges.
 */
function isPublicAddress(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return isPublicAddress((address as ipaddr.IPv6).toIPv4Address());
  }
  return address.range() === 'unicast';
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Where webhooks may go. By default only https to public addresses; the operator's
 * AIPHOTO_WEBHOOK_ALLOW_HOSTS lists host names and addresses/CIDRs that may also be reached
 * (by http too), such as a receiver on the same network. The check applies to every address
 * a name resolves to, at submission and again at each delivery (the connection goes to the
 * address that was checked), so a name that later resolves somewhere private gets nothing.
 */
export class WebhookPolicy {
  private readonly hosts = new Set<string>();
  private readonly networks: Cidr[] = [];

  constructor(allowList: readonly string[] = []) {
    for (const entry of allowList) {
      const value = entry.trim();
      if (value === '') continue;
      if (ipaddr.isValidCIDR(value)) this.networks.push(ipaddr.parseCIDR(value));
      else if (ipaddr.isValid(value)) {
        const address = ipaddr.parse(value);
        this.networks.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else this.hosts.add(value.toLowerCase());
    }
  }

  /** Whether the operator listed this address (or a network holding it). */
  private listed(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    const candidates = [address];
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) candidates.push((address as ipaddr.IPv6).toIPv4Address());
    return candidates.some((candidate) => this.networks.some(([network, bits]) => candidate.kind() === network.kind() && candidate.match(network, bits)));
  }

  private hostListed(hostname: string): boolean {
    return this.hosts.has(hostname.toLowerCase());
  }

  /** Why `address` may not be reached for `hostname`, or undefined when it may. */
  private refusalFor(hostname: string, address: string): string | undefined {
    if (this.hostListed(hostname)) return undefined;
    if (!ipaddr.isValid(address)) return `${address} is not an address`;
    const parsed = ipaddr.parse(address);
    if (this.listed(parsed) || isPublicAddress(parsed)) return undefined;
    return `${hostname} resolves to ${address}, a ${parsed.range()} address; the operator can allow it with AIPHOTO_WEBHOOK_ALLOW_HOSTS`;
  }

  /** Checks a caller's webhook_url at submission; throws invalid_request saying why it may not be used. */
  async check(raw: string): Promise<URL> {
    const refuse = (why: string) => new InvalidRequestError(`webhook_url ${why}.`, { field: 'webhook_url' });
    if (raw.length > MAX_WEBHOOK_URL_LENGTH) throw refuse(`must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw refuse('must be an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('must be an https URL');
    if (url.username || url.password) throw refuse('must not carry credentials');
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    // A listed name is the operator's word, whatever it resolves to (perhaps only inside their network).
    if (this.hostListed(hostname)) return url;
    const addresses = await this.resolve(hostname).catch(() => {
      throw refuse(`names a host that does not resolve (${hostname})`);
    });
    const refusals = addresses.map((address) => this.refusalFor(hostname, address)).filter((why) => why !== undefined);
    if (refusals.length > 0) throw refuse(`may not be used: ${refusals[0]}`);
    const allowedPlainly = addresses.every((address) => this.listed(ipaddr.parse(address)));
    if (url.protocol === 'http:' && !allowedPlainly) throw refuse('must be an https URL (plain http only to hosts the operator allows)');
    return url;
  }

  private async resolve(hostname: string): Promise<string[]> {
    if (ipaddr.isValid(hostname)) return [hostname];
    const found = await dns.lookup(hostname, { all: true, verbatim: true });
    if (found.length === 0) throw new Error('no addresses');
    return found.map((entry) => entry.address);
  }

  /** A DNS lookup for the delivery's connection that refuses the addresses `check` would refuse. */
  lookupFor(hostname: string): LookupFunction {
    return (_name, options, callback) => {
      this.resolve(hostname).then(
        (addresses) => {
          const allowed = addresses.filter((address) => this.refusalFor(hostname, address) === undefined);
          if (allowed.length === 0) return callback(new Error(`${hostname} resolves to no address webhooks may reach`), '', 4);
          const chosen = allowed.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
          if ((options as { all?: boolean }).all) return (callback as unknown as (error: null, all: typeof chosen) => void)(null, chosen);
          callback(null, chosen[0]!.address, chosen[0]!.family);
        },
        (error: Error) => callback(error, '', 4),
      );
    };
  }

  /** The refusal for an address literal in a URL (Node does not look those up). */
  literalRefusal(url: URL): string | undefined {
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    return ipaddr.isValid(hostname) ? this.refusalFor(hostname, hostname) : undefined;
  }
}

const ATTEMPT_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Sends one signed webhook as the Standard Webhooks specification says: `webhook-id` (the
 * same for every retry of one message, so a receiver can drop duplicates), `webhook-timestamp`
 * (seconds, fresh per attempt) and `webhook-signature` (`v1,` + HMAC-SHA256 of
 * "id.timestamp.body" under the caller's secret). Redirects are not followed.
 */
export async function sendWebhook(
  policy: WebhookPolicy,
  options: { url: string; secret: string; messageId: string; body: string; now: Date; signal?: AbortSignal },
): Promise<WebhookAttempt> {
  const at = options.now.toISOString();
  const url = new URL(options.url);
  const literal = policy.literalRefusal(url);
  if (literal) return { at, error: literal };
  const timestamp = Math.floor(options.now.getTime() / 1000);
  const signature = new Webhook(options.secret).sign(options.messageId, new Date(timestamp * 1000), options.body);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<WebhookAttempt>((resolve) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        lookup: policy.lookupFor(url.hostname.replace(/^\[|\]$/g, '')),
        timeout: ATTEMPT_TIMEOUT_MS,
        ...(options.signal ? { signal: options.signal } : {}),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(options.body),
          'user-agent': 'AIPhoto-Webhooks/1.0',
          'webhook-id': options.messageId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        },
      },
      (response) => {
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        const statusCode = response.statusCode ?? 0;
        const settle = () =>
          resolve(statusCode >= 200 && statusCode < 300 ? { at, statusCode } : { at, statusCode, error: `the receiver answered ${statusCode}` });
        response.once('end', settle);
        response.once('close', settle);
      },
    );
    request.once('timeout', () => request.destroy(new Error(`no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`)));
    request.once('error', (error) => resolve({ at, error: error.message.slice(0, 200) }));
    request.end(options.body);
  });
}
