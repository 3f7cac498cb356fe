import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContentFilteredError } from '../errors.ts';
import { ContentFilter, normalizeForFilter } from './content-filter.ts';

const filter = new ContentFilter();

describe('ContentFilter', () => {
  it.each([
    'a child flying a kite on a beach',
    'shooting star over a lake',
    'A serene mountain lake at golden hour, photorealistic',
    'a kidney bean salad, food photography',
    'a rooster, the cock of the farm, crowing at dawn',
    'Scunthorpe town centre at night',
    'cumulus clouds over Essex',
    'a boy and his dog in a meadow',
    'a sexton beetle on a leaf',
    'the analyst at her desk',
    'a b c blocks on a table',
    'minor key piano sheet music',
  ])('lets an ordinary prompt through: %s', (prompt) => {
    expect(filter.check(prompt)).toEqual({ allowed: true });
  });

  it.each([
    ['n.u.d.e woman on a beach', 'sexual'],
    ['n u d e portrait', 'sexual'],
    ['nud3 portrait', 'sexual'],
    ['p0rn', 'sexual'],
    ['a N\u200BA\u200BK\u200BE\u200BD man', 'sexual'],
    ['ｎｕｄｅ (fullwidth)', 'sexual'],
    ['nsfw anime', 'sexual'],
    ['a decapitated soldier', 'violence'],
    ['g0re everywhere', 'violence'],
    ['n1gger', 'hate'],
    ['nude teen', 'sexual_minors'],
    ['s.e.x.y schoolgirl', 'sexual_minors'],
    ['loli', 'sexual_minors'],
  ])('blocks %s as %s', (prompt, category) => {
    expect(filter.check(prompt)).toEqual({ allowed: false, category });
  });

  it('gives a prompt the same verdict every time it is asked, remembered or too long to remember', () => {
    const fresh = new ContentFilter();
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(fresh.check('a lighthouse at dusk')).toEqual({ allowed: true });
      expect(fresh.check('a nude figure')).toEqual({ allowed: false, category: 'sexual' });
      expect(fresh.check(`${'calm sea '.repeat(100)}and gore`)).toEqual({ allowed: false, category: 'violence' });
    }
  });

  it('names the category in the error, not the matched word', () => {
    const error = (() => {
      try {
        filter.assertAllowed('n.u.d.e woman');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ContentFilteredError);
    expect((error as Error).message).toContain('explicit sexual content');
    expect((error as Error).message).not.toMatch(/nude/i);
  });

  it('adds an operator blocklist file, ignoring comments and blank lines', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-filter-')), 'blocklist.txt');
    fs.writeFileSync(file, '# brand names we may not render\nacme corp\n\nwidget[x]\n');
    const custom = ContentFilter.fromBlocklistFile(file);
    expect(custom.check('an ACME Corp billboard')).toEqual({ allowed: false, category: 'blocklist' });
    expect(custom.check('a widget[x] ad')).toEqual({ allowed: false, category: 'blocklist' });
    expect(custom.check('a widget ad')).toEqual({ allowed: true });
    expect(filter.check('an acme corp billboard')).toEqual({ allowed: true });
  });

  it('reads blocklist lines trimmed, skips indented comments, and matches whole words only', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-filter-')), 'blocklist.txt');
    fs.writeFileSync(file, '   zorblax   \r\n   # a comment: commentword\n\n  \n#also\n');
    const custom = ContentFilter.fromBlocklistFile(file);
    expect(custom.check('a zorblax on the shelf')).toEqual({ allowed: false, category: 'blocklist' });
    expect(custom.check('a commentword')).toEqual({ allowed: true });
    expect(custom.check('a # sign')).toEqual({ allowed: true });
    // Boundaries next to letters: "zorblax" inside a longer word is someone else's word.
    expect(custom.check('the zorblaxian empire')).toEqual({ allowed: true });
    expect(custom.check('prezorblax')).toEqual({ allowed: true });
  });

  it('matches a blocklist term that starts or ends with a symbol wherever it appears', () => {
    const custom = new ContentFilter({ extraBlockedTerms: ['#secret', 'tm®'] });
    expect(custom.check('the #secret project')).toEqual({ allowed: false, category: 'blocklist' });
    expect(custom.check('x#secret')).toEqual({ allowed: false, category: 'blocklist' });
    expect(custom.check('a tm® sign')).toEqual({ allowed: false, category: 'blocklist' });
  });

  it('uses the built-in lists alone when no blocklist file is set', () => {
    expect(ContentFilter.fromBlocklistFile(undefined).check('a zorblax')).toEqual({ allowed: true });
    expect(ContentFilter.fromBlocklistFile(undefined).check('n.u.d.e portrait')).toEqual({ allowed: false, category: 'sexual' });
  });

  it('names the category when it refuses, and lets an allowed prompt pass silently', () => {
    expect(() => filter.assertAllowed('a lighthouse at dusk')).not.toThrow();
    expect(() => filter.assertAllowed('n.u.d.e portrait')).toThrow(/content filter \(.+\)/);
  });

  it('joins spelled-out letters and drops invisible characters', () => {
    expect(normalizeForFilter('n.u.d.e and f-o-o')).toBe('nude and foo');
    expect(normalizeForFilter('na\u200Bked')).toBe('naked');
  });
});
