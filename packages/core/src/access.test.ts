import { describe, expect, it } from 'vitest';
import { networkSubject } from './access.ts';

describe('networkSubject', () => {
  it('keeps IPv4 addresses whole and unwraps IPv4-mapped IPv6', () => {
    expect(networkSubject('203.0.113.7')).toBe('ip:203.0.113.7');
    expect(networkSubject('::ffff:203.0.113.7')).toBe('ip:203.0.113.7');
  });

  it('groups IPv6 addresses by their /64, however they are written', () => {
    const a = networkSubject('2001:db8:abcd:12::1');
    expect(a).toBe('ip6:2001:0db8:abcd:0012::/64');
    expect(networkSubject('2001:0db8:abcd:0012:ffff:ffff:ffff:ffff')).toBe(a);
    expect(networkSubject('2001:db8:abcd:13::1')).not.toBe(a);
    expect(networkSubject('::1')).toBe('ip6:0000:0000:0000:0000::/64');
  });
});
