/**
 * What each unit bought: one entry per stored image, with the provider that drew it, the
 * upstream model, the seed and the cost the provider reported. `GET /api/usage` and
 * `aiphoto keys usage` read it back by day and model.
 */
export interface LedgerEntry {
  /** The image id. */
  id: string;
  /** The quota subject that paid (`key:…` or a client network). */
  subject: string;
  day: string;
  createdAt: string;
  operation: 'generate' | 'enhance';
  model: string;
  provider: string;
  upstreamModel?: string;
  seed?: number;
  /** Only what a provider reported, in US dollars; never an estimate. */
  costUsd?: number;
  /** The tokens a provider reported billing (OpenAI prices its GPT image models by token). */
  tokens?: { input: number; output: number };
}

export interface UsageRow {
  day: string;
  model: string;
  units: number;
  /** Sum of the costs providers reported for this day and model. */
  costUsd: number;
  /** How many of `units` had a reported cost (the rest are unknown, not free). */
  pricedUnits: number;
  /** Tokens providers reported billing for these units. */
  inputTokens: number;
  outputTokens: number;
}

export interface Ledger {
  record(entry: LedgerEntry): Promise<void>;
  /** One image's entry: who paid, what drew it, what it cost. */
  entry(id: string): Promise<LedgerEntry | undefined>;
  /** Rows for the given days (YYYY-MM-DD), ordered by day then model. */
  usage(subject: string, days: readonly string[]): Promise<UsageRow[]>;
  /** When the subject last spent a unit (its latest entry's createdAt), if ever. */
  lastUsed(subject: string): Promise<string | undefined>;
}

/** The last `count` UTC days up to and including `today`, oldest first. */
export function lastDays(today: string, count: number): string[] {
  const end = Date.parse(`${today}T00:00:00Z`);
  return Array.from({ length: count }, (_, index) => new Date(end - (count - 1 - index) * 86_400_000).toISOString().slice(0, 10));
}

/**
 * Writes entries for work already paid for. A ledger outage must not take a delivered image
 * back from its caller, so failures are logged, not thrown.
 */
export async function keepInLedger(
  ledger: Ledger | undefined,
  entries: readonly LedgerEntry[],
  logger?: { warn(object: object, message: string): void },
): Promise<void> {
  if (!ledger) return;
  try {
    for (const entry of entries) await ledger.record(entry);
  } catch (error) {
    logger?.warn({ err: String(error), ids: entries.map((entry) => entry.id) }, 'usage ledger could not record delivered work');
  }
}

export type UsageTotals = Omit<UsageRow, 'day' | 'model'>;

export interface UsageReport {
  from: string;
  to: string;
  /** Only days with usage, oldest first. */
  days: (UsageTotals & { day: string; models: (UsageTotals & { model: string })[] })[];
  totals: UsageTotals;
}

/** A caller's usage over the last `count` days up to `today`, by day and model, with totals. */
export async function usageReport(ledger: Ledger, subject: string, today: string, count: number): Promise<UsageReport> {
  const days = lastDays(today, count);
  const rows = await ledger.usage(subject, days);
  const add = (into: UsageTotals, row: UsageTotals) => {
    into.units += row.units;
    into.costUsd += row.costUsd;
    into.pricedUnits += row.pricedUnits;
    into.inputTokens += row.inputTokens;
    into.outputTokens += row.outputTokens;
  };
  const zero = (): UsageTotals => ({ units: 0, costUsd: 0, pricedUnits: 0, inputTokens: 0, outputTokens: 0 });
  const byDay = new Map<string, UsageReport['days'][number]>();
  const totals = zero();
  for (const row of rows) {
    const day = byDay.get(row.day) ?? { day: row.day, ...zero(), models: [] };
    add(day, row);
    const { day: _day, ...model } = row;
    day.models.push(model);
    byDay.set(row.day, day);
    add(totals, row);
  }
  return { from: days[0]!, to: days.at(-1)!, days: [...byDay.values()], totals };
}

export const byDayThenModel = (a: UsageRow, b: UsageRow) => a.day.localeCompare(b.day) || a.model.localeCompare(b.model);
