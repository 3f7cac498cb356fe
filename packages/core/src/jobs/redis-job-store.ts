import type { Redis } from 'ioredis';
import { withRedis } from '../redis.ts';
import { isActive, type JobPatch, type JobRecord, type JobStatus, type JobStore } from './job-store.ts';

/**
 * Replaces a job's JSON only if it is still exactly what the caller read (compare and set),
 * and keeps the set of active jobs, scored by lease, in step. A finished job expires.
 */
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[6])
  redis.call('ZREM', KEYS[2], ARGV[5])
end
return 1`;

/** How many of a caller's newest jobs are remembered for listing. */
const LISTED_PER_SUBJECT = 1000;
/** How many of the newest a listing by status reads, at most: one listing must stay cheap. */
const SCANNED_BY_STATUS = 200;
const MAX_ATTEMPTS = 20;

export class RedisJobStore implements JobStore {
  private readonly active: string;

  constructor(
    private readonly redis: Redis,
    /** How long a finished job is kept. */
    private readonly finishedTtlMs: number,
    private readonly prefix = 'aiphoto',
  ) {
    this.active = `${prefix}:jobs:active`;
  }

  private keyOf(id: string) {
    return `${this.prefix}:job:${id}`;
  }

  private subjectKey(subject: string) {
    return `${this.prefix}:jobs:by-subject:${subject}`;
  }

  async create(record: JobRecord): Promise<void> {
    const subjectKey = this.subjectKey(record.subject);
    await withRedis(() =>
      this.redis
        .multi()
        .set(this.keyOf(record.id), JSON.stringify(record))
        .zadd(this.active, record.leaseUntil, record.id)
        .zadd(subjectKey, Date.parse(record.createdAt), record.id)
        .zremrangebyrank(subjectKey, 0, -(LISTED_PER_SUBJECT + 1))
        .exec(),
    );
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const json = await withRedis(() => this.redis.get(this.keyOf(id)));
    return json === null ? undefined : (JSON.parse(json) as JobRecord);
  }

  async update(id: string, patch: JobPatch, from?: readonly JobStatus[]): Promise<JobRecord | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const before = await withRedis(() => this.redis.get(this.keyOf(id)));
      if (before === null) return undefined;
      const current = JSON.parse(before) as JobRecord;
      if (from && !from.includes(current.status)) return undefined;
      const next: JobRecord = { ...current, ...patch };
      const after = JSON.stringify(next);
      const swapped = await withRedis(() =>
        this.redis.eval(COMPARE_AND_SET, 2, this.keyOf(id), this.active, before, after, isActive(next.status) ? '1' : '0', next.leaseUntil, id, this.finishedTtlMs),
      );
      if (swapped === 1) return next;
    }
    throw new Error(`job ${id} kept changing while it was updated`);
  }

  private async records(ids: string[]): Promise<(JobRecord | undefined)[]> {
    if (ids.length === 0) return [];
    const values = await withRedis(() => this.redis.mget(ids.map((id) => this.keyOf(id))));
    return values.map((json) => (json === null ? undefined : (JSON.parse(json) as JobRecord)));
  }

  async list(subject: string, options: { status?: JobStatus; limit: number }): Promise<JobRecord[]> {
    const subjectKey = this.subjectKey(subject);
    const window = options.status === undefined ? options.limit : Math.max(options.limit, SCANNED_BY_STATUS);
    const ids = await withRedis(() => this.redis.zrevrange(subjectKey, 0, window - 1));
    const records = await this.records(ids);
    const expired = ids.filter((_, index) => records[index] === undefined);
    if (expired.length > 0) await withRedis(() => this.redis.zrem(subjectKey, ...expired));
    return records
      .filter((record): record is JobRecord => record !== undefined && (options.status === undefined || record.status === options.status))
      .slice(0, options.limit);
  }

  async abandoned(now: number, limit: number): Promise<JobRecord[]> {
    const ids = await withRedis(() => this.redis.zrangebyscore(this.active, '-inf', `(${now}`, 'LIMIT', 0, limit));
    const records = await this.records(ids);
    return records.filter((record): record is JobRecord => record !== undefined && isActive(record.status));
  }

  /** Finished jobs expire on their own (their key's TTL); listing drops the ids left behind. */
  async prune(): Promise<number> {
    return 0;
  }
}
