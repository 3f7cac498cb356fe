import type { Redis } from 'ioredis';
import { AccessService } from './access.ts';
import type { Config } from './config.ts';
import { commitWatchOf, openDatabase, type SqliteDatabase } from './database.ts';
import { TILE_OVERLAP } from './enhance/enhance-engine.ts';
import { EnhancePool, type PoolLogger } from './enhance/enhance-pool.ts';
import { EnhanceService } from './enhance/enhance-service.ts';
import type { Precision } from './catalog.ts';
import { ContentFilter } from './filter/content-filter.ts';
import { ImageService } from './image-service.ts';
import type { GenerationObserver } from './observer.ts';
import { KeyService } from './keys/key-service.ts';
import type { KeyStore } from './keys/key-store.ts';
import { RedisKeyStore } from './keys/redis-key-store.ts';
import type { IdempotencyStore } from './idempotency/idempotency-store.ts';
import { RedisIdempotencyStore } from './idempotency/redis-idempotency-store.ts';
import { SqliteIdempotencyStore } from './idempotency/sqlite-idempotency-store.ts';
import { JobService } from './jobs/job-service.ts';
import type { JobStore } from './jobs/job-store.ts';
import { RedisJobStore } from './jobs/redis-job-store.ts';
import { SqliteJobStore } from './jobs/sqlite-job-store.ts';
import { WebhookPolicy } from './jobs/webhooks.ts';
import type { Ledger } from './ledger/ledger.ts';
import { RedisLedger } from './ledger/redis-ledger.ts';
import { SqliteLedger } from './ledger/sqlite-ledger.ts';
import { SqliteKeyStore } from './keys/sqlite-key-store.ts';
import { OpenAIModeration } from './providers/openai/openai-moderation.ts';
import { buildProviderRouter, providerSettings } from './providers/registry.ts';
import type { ProviderRouter, RouterLogger } from './providers/router.ts';
import { QuotaService, utcDay, type Clock } from './quota/quota-service.ts';
import type { QuotaStore } from './quota/quota-store.ts';
import { RedisQuotaStore } from './quota/redis-quota-store.ts';
import { SqliteQuotaStore } from './quota/sqlite-quota-store.ts';
import { connectRedis, isRedisReady, type RedisLogger } from './redis.ts';
import { RetentionSweeper } from './storage/retention.ts';
import { InFlightLimiter } from './quota/in-flight-limiter.ts';
import type { ImageStorage } from './storage/image-storage.ts';
import { LocalImageStorage } from './storage/local-image-storage.ts';
import { S3ImageStorage } from './storage/s3-image-storage.ts';

export interface CoreServices {
  config: Config;
  /** The time every service reads (tests fix it). */
  clock: Clock;
  access: AccessService;
  keys: KeyService;
  quota: QuotaService;
  images: ImageService;
  enhance: EnhanceService;
  /** What runs enhance, and why in this precision (logged at startup). */
  enhanceEngine: { model: string; precision: Precision; reason: string };
  enhancePool: EnhancePool;
  router: ProviderRouter;
  storage: ImageStorage;
  /** What each unit bought, by caller, day and model. */
  ledger: Ledger;
  /** Idempotency keys of the operations that cost a unit. */
  idempotency: IdempotencyStore;
  /** Work run in the background (Prefer: respond-async), in the shared store. */
  jobs: JobService;
  retention: RetentionSweeper;
  /**
   * Resolves once this process has looked at the store after the call: a request's reads
   * made after it see every commit that finished before the request arrived (a key revoked
   * by the CLI is refused on the very next request). Requests that arrive together share one look.
   */
  catchUp(): Promise<void>;
  /** Whether the quota/key store and the image storage answer now (for /readyz). */
  readiness(): Promise<{ store: boolean; storage: boolean }>;
  /** `jobGraceMs`: how long running jobs may still finish before they are stopped and refunded. */
  close(jobGraceMs?: number): Promise<void>;
}

export type CoreLogger = RouterLogger & PoolLogger & RedisLogger;

/** Results name their file; the API turns it into a URL on the address the caller used. */
export interface CoreOptions {
  clock?: Clock;
  logger?: CoreLogger;
  observer?: GenerationObserver;
}

interface Stores {
  quota: QuotaStore;
  keys: KeyStore;
  ledger: Ledger;
  idempotency: IdempotencyStore;
  jobs: JobStore;
  catchUp: () => Promise<void>;
  ready: () => Promise<boolean>;
  close: () => Promise<void>;
}

/** Redis answers every read from the server itself: there is never anything to catch up with. */
const CAUGHT_UP = Promise.resolve();

/**
 * The quota and key stores: one SQLite file in the data directory by default, or Redis
 * when REDIS_URL is set, so that every instance shares exact counts and the same keys.
 */
async function openStores(config: Pick<Config, 'dataDir' | 'redisUrl' | 'redisTimeoutMs' | 'jobs'>, clock: Clock, logger?: RedisLogger): Promise<Stores> {
  if (config.redisUrl) {
    const redis: Redis = await connectRedis(config.redisUrl, { ...(logger ? { logger } : {}), commandTimeoutMs: config.redisTimeoutMs });
    return {
      quota: new RedisQuotaStore(redis),
      keys: new RedisKeyStore(redis),
      ledger: new RedisLedger(redis),
      idempotency: new RedisIdempotencyStore(redis),
      jobs: new RedisJobStore(redis, config.jobs.finishedTtlMs),
      catchUp: () => CAUGHT_UP,
      ready: () => isRedisReady(redis),
      close: async () => {
        // A deliberate close is not an outage: keep the outage log quiet.
        redis.removeAllListeners('close');
        redis.disconnect();
      },
    };
  }
  const db: SqliteDatabase = openDatabase(config.dataDir);
  const watch = commitWatchOf(db);
  const quota = new SqliteQuotaStore(db);
  const idempotency = new SqliteIdempotencyStore(db, () => clock().getTime());
  idempotency.prune();
  // Yesterday still answers refunds for work that straddled midnight; older days never do.
  quota.prune(utcDay(new Date(clock().getTime() - 2 * 86_400_000)));
  return {
    quota,
    keys: new SqliteKeyStore(db),
    ledger: new SqliteLedger(db),
    idempotency,
    jobs: new SqliteJobStore(db),
    catchUp: () => watch.nextLook(),
    ready: async () => db.open,
    close: async () => {
      watch.close();
      db.close();
    },
  };
}

/** Keys and their ledger alone, for the CLI: it must not need the renderer, the models or the storage. */
export async function openKeyService(
  config: Pick<Config, 'dataDir' | 'redisUrl' | 'redisTimeoutMs' | 'jobs'>,
): Promise<{ keys: KeyService; ledger: Ledger; quota: QuotaStore; close: () => Promise<void> }> {
  const stores = await openStores(config, () => new Date());
  return { keys: new KeyService(stores.keys), ledger: stores.ledger, quota: stores.quota, close: stores.close };
}

function openStorage(config: Config): ImageStorage {
  if (!config.s3) return new LocalImageStorage(config.dataDir);
  return new S3ImageStorage({
    bucket: config.s3.bucket,
    prefix: config.s3.prefix,
    client: {
      region: config.s3.region,
      ...(config.s3.endpoint ? { endpoint: config.s3.endpoint } : {}),
      ...(config.s3.credentials ? { credentials: config.s3.credentials } : {}),
    },
  });
}

export async function createCoreServices(config: Config, options: CoreOptions): Promise<CoreServices> {
  const clock = options.clock ?? (() => new Date());
  const stores = await openStores(config, clock, options.logger);
  const keys = new KeyService(stores.keys, clock);
  const quota = new QuotaService(stores.quota, clock);
  const storage = openStorage(config);
  const router = buildProviderRouter(config, {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
  });
  const moderationSettings = config.moderation === 'openai' && config.providers.openai ? providerSettings(config, { settings: config.providers.openai }) : undefined;
  const images = new ImageService({
    filter: ContentFilter.fromBlocklistFile(config.blocklistFile),
    ...(moderationSettings ? { moderation: new OpenAIModeration(moderationSettings) } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
    quota,
    router,
    storage,
    inFlight: new InFlightLimiter(config.inFlightPerCaller.generates, 'generations'),
    maxImagesPerRequest: config.openaiMaxImages,
    ledger: stores.ledger,
    ...(options.logger ? { logger: options.logger } : {}),
    clock,
  });
  const { precision, precisionReason: reason } = config.enhance;
  const enhancePool = new EnhancePool({
    workers: config.enhance.workers,
    queue: config.enhance.queue,
    engine: {
      model: config.enhance.model,
      runtime: config.enhance.runtime,
      precision,
      threads: config.enhance.threads,
      maxTile: config.enhance.maxTile,
      overlap: TILE_OVERLAP,
    },
    jobTimeoutMs: config.enhance.jobTimeoutMs,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const enhance = new EnhanceService({
    quota,
    storage,
    pool: enhancePool,
    limits: config.limits,
    modelName: `esrgan-${config.enhance.model}`,
    precision,
    inFlight: new InFlightLimiter(config.inFlightPerCaller.enhances, 'enhancements'),
    ...(options.observer ? { observer: options.observer } : {}),
    ledger: stores.ledger,
    ...(options.logger ? { logger: options.logger } : {}),
    clock,
  });
  const retention = new RetentionSweeper(storage, config.imageTtlDays, clock, options.logger);
  const jobs = new JobService({
    store: stores.jobs,
    quota: stores.quota,
    keys,
    policy: new WebhookPolicy(config.jobs.webhookAllowHosts),
    settings: { ...config.jobs, progressIntervalMs: 100 },
    clock,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    config,
    clock,
    access: new AccessService(keys, { free: config.freeDailyLimit, pro: config.proDailyLimit }),
    keys,
    quota,
    images,
    enhance,
    enhanceEngine: { model: `esrgan-${config.enhance.model}`, precision, reason },
    enhancePool,
    router,
    storage,
    ledger: stores.ledger,
    idempotency: stores.idempotency,
    jobs,
    retention,
    catchUp: stores.catchUp,
    async readiness() {
      const [store, storageReady] = await Promise.all([stores.ready(), storage.isReady()]);
      return { store, storage: storageReady };
    },
    async close(jobGraceMs = 0) {
      retention.stop();
      await jobs.close(jobGraceMs);
      await enhancePool.close();
      await stores.close();
    },
  };
}
