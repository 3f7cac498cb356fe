import fs from 'node:fs';
import {
  DataSet,
  RegExpMatcher,
  englishDataset,
  englishRecommendedTransformers,
  parseRawPattern,
  type MatchPayload,
} from 'obscenity';
import { Lru } from 'toad-cache';
import { MAX_PROMPT_CHARACTERS } from '../catalog.ts';
import { ContentFilteredError } from '../errors.ts';

export type FilterCategory = 'sexual_minors' | 'sexual' | 'violence' | 'hate' | 'blocklist';

/** Categories a minor term turns into `sexual_minors` when they appear together. */
type TermKind = FilterCategory | 'minor';

interface Metadata {
  kind: TermKind;
  term: string;
}

const CATEGORY_NAMES: Record<FilterCategory, string> = {
  sexual_minors: 'sexual content involving minors',
  sexual: 'explicit sexual content',
  violence: 'graphic violence',
  hate: 'hateful content',
  blocklist: "terms this service's operator has blocked",
};

/**
 * Words from obscenity's English list that fall in our categories. Plain profanity
 * (fuck, shit, …) is not a content category and passes; so do words that are more often
 * innocent in prompts than not ("cock" the bird, "Moby Dick", "blue tit", "pussy willow").
 */
const OBSCENITY_WORDS: Partial<Record<string, FilterCategory>> = {
  anal: 'sexual',
  bestiality: 'sexual',
  blowjob: 'sexual',
  boob: 'sexual',
  buttplug: 'sexual',
  cum: 'sexual',
  deepthroat: 'sexual',
  dildo: 'sexual',
  doggystyle: 'sexual',
  'double penetration': 'sexual',
  ejaculate: 'sexual',
  felch: 'sexual',
  fellatio: 'sexual',
  'finger bang': 'sexual',
  fisting: 'sexual',
  gangbang: 'sexual',
  handjob: 'sexual',
  hentai: 'sexual',
  incest: 'sexual',
  'jerk off': 'sexual',
  jizz: 'sexual',
  lubejob: 'sexual',
  masturbate: 'sexual',
  orgasm: 'sexual',
  orgy: 'sexual',
  penis: 'sexual',
  porn: 'sexual',
  rape: 'sexual',
  semen: 'sexual',
  sex: 'sexual',
  slut: 'sexual',
  twat: 'sexual',
  vagina: 'sexual',
  wank: 'sexual',
  whore: 'sexual',
  abo: 'hate',
  abeed: 'hate',
  africoon: 'hate',
  arabush: 'hate',
  boonga: 'hate',
  chingchong: 'hate',
  chink: 'hate',
  dyke: 'hate',
  fag: 'hate',
  kike: 'hate',
  nigger: 'hate',
  retard: 'hate',
  spastic: 'hate',
  tranny: 'hate',
};

/**
 * Our own lists, in obscenity's pattern syntax: `|` marks a word boundary, so "|kid|"
 * matches "kid" but not "kidney". Minor terms block only together with a sexual term,
 * so "a child flying a kite" passes.
 */
const OWN_PATTERNS: Record<TermKind, string[]> = {
  minor: [
    '|child', '|kid|', '|kids|', '|minor|', '|minors|', 'underage', '|teen', '|boy|', '|boys|', '|girl|',
    '|girls|', 'preteen', 'toddler', '|infant', '|baby|', 'schoolgirl', 'schoolboy', '|tween',
  ],
  sexual_minors: ['|loli', '|shota', 'jailbait', '|pedo', 'paedo', 'csam', 'child porn'],
  sexual: [
    '|nude', '|nudes|', '|nudity|', '|naked|', '|nsfw|', '|xxx|', '|topless|', '|erotic', '|genital',
    '|nipple', '|sexual', '|sexy|', '|stripper', '|bdsm|', '|fetish',
  ],
  violence: [
    '|gore|', '|gory|', 'decapitat', 'dismember', 'disembowel', 'mutilat', '|behead', '|entrails|',
    '|tortur', 'massacre', 'severed head', 'severed limb', 'blood splatter', 'mass shooting', 'eviscerat',
  ],
  hate: ['heil hitler', 'white power', 'gas the jews', '|kkk|', 'sieg heil'],
  blocklist: [],
};

/** Zero-width and format characters that hide a word from a plain match. */
const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF]/g;
/** Letters spelled out one at a time: "n.u.d.e", "n u d e", "n-u-d-e", "n_u_d_e". */
const SPELLED_OUT = /(?<![\p{L}\p{N}])(?:[\p{L}\p{N}][\s.\-_*+~'|]+){2,}[\p{L}\p{N}](?![\p{L}\p{N}])/gu;

export function normalizeForFilter(text: string): string {
  return text
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(SPELLED_OUT, (letters) => letters.replace(/[^\p{L}\p{N}]/gu, ''));
}

/** Escapes obscenity's pattern syntax so an operator's blocklist line matches literally. */
function literalPattern(term: string): string {
  const escaped = term.replace(/[\\[\]?|]/g, (char) => `\\${char}`);
  // A boundary only makes sense next to a letter or digit.
  const start = /^[\p{L}\p{N}]/u.test(term) ? '|' : '';
  const end = /[\p{L}\p{N}]$/u.test(term) ? '|' : '';
  return `${start}${escaped}${end}`;
}

export interface FilterVerdict {
  allowed: boolean;
  category?: FilterCategory;
}

/**
 * Verdicts kept for prompts seen lately: a client retrying a refused request (429, 503)
 * sends the same prompt again and again, and matching costs more than the rest of a
 * refusal. Only prompts within the API's limit are kept (two UTF-16 units per character at
 * most), so this holds well under two megabytes whoever calls it.
 */
const REMEMBERED_VERDICTS = 1_024;
const LONGEST_REMEMBERED = 2 * MAX_PROMPT_CHARACTERS;

export class ContentFilter {
  private readonly verdicts = new Lru<FilterVerdict>(REMEMBERED_VERDICTS);
  private readonly obscenityDataset: DataSet<{ originalWord: string }>;
  private readonly obscenityMatcher: RegExpMatcher;
  private readonly ownDataset = new DataSet<Metadata>();
  private readonly ownMatcher: RegExpMatcher;

  constructor(options: { extraBlockedTerms?: readonly string[] } = {}) {
    this.obscenityDataset = new DataSet<{ originalWord: string }>()
      .addAll(englishDataset)
      .removePhrasesIf((phrase) => OBSCENITY_WORDS[phrase.metadata?.originalWord ?? ''] === undefined);
    this.obscenityMatcher = new RegExpMatcher({ ...this.obscenityDataset.build(), ...englishRecommendedTransformers });

    const own: [TermKind, string][] = Object.entries(OWN_PATTERNS).flatMap(([kind, list]) =>
      list.map((source): [TermKind, string] => [kind as TermKind, source]),
    );
    for (const term of options.extraBlockedTerms ?? []) own.push(['blocklist', literalPattern(term.toLowerCase())]);
    for (const [kind, source] of own) {
      this.ownDataset.addPhrase((phrase) => phrase.setMetadata({ kind, term: source }).addPattern(parseRawPattern(source)));
    }
    this.ownMatcher = new RegExpMatcher({ ...this.ownDataset.build(), ...englishRecommendedTransformers });
  }

  static fromBlocklistFile(file: string | undefined): ContentFilter {
    if (!file) return new ContentFilter();
    const terms = fs
      .readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    return new ContentFilter({ extraBlockedTerms: terms });
  }

  check(prompt: string): FilterVerdict {
    if (prompt.length > LONGEST_REMEMBERED) return this.judge(prompt);
    let verdict = this.verdicts.get(prompt);
    if (verdict === undefined) this.verdicts.set(prompt, (verdict = Object.freeze(this.judge(prompt))));
    return verdict;
  }

  private judge(prompt: string): FilterVerdict {
    const text = normalizeForFilter(prompt);
    const kinds = new Set<TermKind>([
      ...this.obscenityMatcher
        .getAllMatches(text)
        .map((match: MatchPayload) => OBSCENITY_WORDS[this.obscenityDataset.getPayloadWithPhraseMetadata(match).phraseMetadata!.originalWord]!),
      ...this.ownMatcher
        .getAllMatches(text)
        .map((match: MatchPayload) => this.ownDataset.getPayloadWithPhraseMetadata(match).phraseMetadata!.kind),
    ]);
    const has = (kind: TermKind) => kinds.has(kind);
    if (has('sexual_minors') || (has('minor') && has('sexual'))) return { allowed: false, category: 'sexual_minors' };
    for (const category of ['sexual', 'violence', 'hate', 'blocklist'] as const) {
      if (has(category)) return { allowed: false, category };
    }
    return { allowed: true };
  }

  /** Throws `ContentFilteredError` naming the category, never the matched words. */
  assertAllowed(prompt: string): void {
    const verdict = this.check(prompt);
    if (!verdict.allowed) {
      throw new ContentFilteredError(
        `The prompt was rejected by the content filter (${CATEGORY_NAMES[verdict.category!]}); rephrase it and try again.`,
      );
    }
  }
}
