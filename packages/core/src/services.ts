import { AccessService } from './access.ts';
import type { Config } from './config.ts';
import { openDatabase, type SqliteDatabase } from './database.ts';
import { TILE_OVERLAP } from './enhance/enhance-engine.ts';
import { EnhancePool } from './enhance/enhance-pool.ts';
import { EnhanceService } from './enhance/enhance-service.ts';
import { ContentFilter } from './filter/content-filter.ts';
import { ImageService } from './image-service.ts';
import { KeyService } from './keys/key-service.ts';
import { SqliteKeyStore } from './keys/sqlite-key-store.ts';
import { OpenAIModeration } from './providers/openai/openai-moderation.ts';
import { buildProviderRouter, providerSettings } from './providers/registry.ts';
import type { RouterLogger } from './providers/router.ts';
import type { PoolLogger } from './enhance/enhance-pool.ts';
import { QuotaService, utcDay, type Clock } from './quota/quota-service.ts';
import { SqliteQuotaStore } from './quota/sqlite-quota-store.ts';
import type { ImageStorage } from './storage/image-storage.ts';
import { LocalImageStorage } from './storage/local-image-storage.ts';

export interface CoreServices {
  config: Config;
  access: AccessService;
  keys: KeyService;
  quota: QuotaService;
  images: ImageService;
  enhance: EnhanceService;
  enhancePool: EnhancePool;
  router: ReturnType<typeof buildProviderRouter>;
  storage: ImageStorage;
  close(): Promise<void>;
}

export interface CoreOptions {
  /** Where image URLs point; resolved late because the bound port may not be known yet. */
  publicUrl: () => string;
  clock?: Clock;
  logger?: RouterLogger & PoolLogger;
}

/** Keys alone, for the CLI: it must not need the renderer or the filter to manage keys. */
export function openKeyService(config: Pick<Config, 'dataDir'>): { keys: KeyService; db: SqliteDatabase } {
  const db = openDatabase(config.dataDir);
  return { keys: new KeyService(new SqliteKeyStore(db)), db };
}

/** Wires the embedded defaults: one SQLite file and the local disk, both under the data dir. */
export function createCoreServices(config: Config, options: CoreOptions): CoreServices {
  const clock = options.clock ?? (() => new Date());
  const { keys, db } = openKeyService(config);
  const quotaStore = new SqliteQuotaStore(db);
  // Yesterday still answers refunds for work that straddled midnight; older days never do.
  quotaStore.prune(utcDay(new Date(clock().getTime() - 2 * 86_400_000)));
  const quota = new QuotaService(quotaStore, clock);
  const storage = new LocalImageStorage(config.dataDir);
  const router = buildProviderRouter(config, options.logger ? { logger: options.logger } : {});
  const imageUrl = (fileName: string) => `${options.publicUrl()}/images/${fileName}`;
  const moderationSettings = config.moderation === 'openai' ? providerSettings(config, 'openai') : undefined;
  const images = new ImageService({
    filter: ContentFilter.fromBlocklistFile(config.blocklistFile),
    ...(moderationSettings ? { moderation: new OpenAIModeration(moderationSettings) } : {}),
    quota,
    router,
    storage,
    imageUrl,
    clock,
  });
  const enhancePool = new EnhancePool({
    workers: config.enhance.workers,
    queue: config.enhance.queue,
    engine: {
      model: config.enhance.model,
      runtime: config.enhance.runtime,
      threads: config.enhance.threads,
      maxTile: config.enhance.maxTile,
      overlap: TILE_OVERLAP,
    },
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const enhance = new EnhanceService({
    quota,
    storage,
    pool: enhancePool,
    limits: config.limits,
    modelName: `esrgan-${config.enhance.model}`,
    imageUrl,
  });
  return {
    config,
    access: new AccessService(keys, { free: config.freeDailyLimit, pro: config.proDailyLimit }),
    keys,
    quota,
    images,
    enhance,
    enhancePool,
    router,
    storage,
    async close() {
      await enhancePool.close();
      db.close();
    },
  };
}
