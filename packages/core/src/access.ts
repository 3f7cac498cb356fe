import ipaddr from 'ipaddr.js';
import { Lru } from 'toad-cache';
import { UnauthorizedError } from './errors.ts';
import type { KeyService } from './keys/key-service.ts';
import type { QuotaAccount } from './quota/quota-service.ts';

export type Plan = 'free' | 'pro';

export interface Caller {
  plan: Plan;
  account: QuotaAccount;
  keyId?: string;
}

/**
 * The quota subject for an anonymous caller. IPv6 clients are grouped by their /64, since a
 * single host commonly holds a whole /64 and could otherwise rotate addresses for free quota.
 */
export function networkSubject(ip: string): string {
  // Longer than any address can be written: not kept, so the cache's memory stays bounded.
  if (ip.length > MAX_ADDRESS_LENGTH) return subjectOf(ip);
  let subject = recentSubjects.get(ip);
  if (subject === undefined) {
    subject = subjectOf(ip);
    recentSubjects.set(ip, subject);
  }
  return subject;
}

/** Every anonymous request asks, and parsing the address was ~1 % of a refusal's CPU. */
const recentSubjects = new Lru<string>(4_096);
const MAX_ADDRESS_LENGTH = 45;

function subjectOf(ip: string): string {
  if (!ipaddr.isValid(ip)) return `ip:${ip}`;
  let address = ipaddr.parse(ip);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    address = (address as ipaddr.IPv6).toIPv4Address();
  }
  if (address.kind() === 'ipv4') return `ip:${address.toString()}`;
  const network = (address as ipaddr.IPv6).toNormalizedString().split(':').slice(0, 4).map((part) => part.padStart(4, '0'));
  return `ip6:${network.join(':')}::/64`;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Decides who is calling. No Authorization header at all means the anonymous free plan;
 * a header that is present but malformed, unknown or revoked is refused and never falls
 * back to the free plan.
 */
export class AccessService {
  constructor(
    private readonly keys: KeyService,
    private readonly limits: { free: number; pro: number },
  ) {}

  anonymous(clientIp: string): Caller {
    return { plan: 'free', account: { subject: networkSubject(clientIp), limit: this.limits.free } };
  }

  async identify(authorization: string | undefined, clientIp: string): Promise<Caller> {
    if (authorization === undefined) return this.anonymous(clientIp);
    const match = BEARER.exec(authorization);
    if (!match) {
      throw new UnauthorizedError('The Authorization header must be "Bearer <your API key>"; omit it to use the free plan.');
    }
    const verification = await this.keys.verify(match[1]!);
    switch (verification.status) {
      case 'valid':
        return {
          plan: 'pro',
          keyId: verification.key.id,
          account: { subject: `key:${verification.key.id}`, limit: verification.key.dailyLimit ?? this.limits.pro },
        };
      case 'revoked':
        throw new UnauthorizedError('This API key has been revoked; create a new key or ask the operator for one.');
      case 'malformed':
      case 'not_found':
        throw new UnauthorizedError('The API key is not valid; check that it was copied whole (it starts with "aip_").');
    }
  }
}
