import { AccessService } from './access.ts';
import type { Config } from './config.ts';
import { openDatabase, type SqliteDatabase } from './database.ts';
import { ContentFilter } from './filter/content-filter.ts';
import { ImageService } from './image-service.ts';
import { KeyService } from './keys/key-service.ts';
import { SqliteKeyStore } from './keys/sqlite-key-store.ts';
import { buildProviderRouter } from './providers/registry.ts';
import type { RouterLogger } from './providers/router.ts';
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
  router: ReturnType<typeof buildProviderRouter>;
  storage: ImageStorage;
  close(): Promise<void>;
}

export interface CoreOptions {
  /** Where image URLs point; resolved late because the bound port may not be known yet. */
  publicUrl: () => string;
  clock?: Clock;
  logger?: RouterLogger;
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
  const images = new ImageService({
    filter: ContentFilter.fromBlocklistFile(config.blocklistFile),
    quota,
    router,
    storage,
    imageUrl: (fileName) => `${options.publicUrl()}/images/${fileName}`,
    clock,
  });
  return {
    config,
    access: new AccessService(keys, { free: config.freeDailyLimit, pro: config.proDailyLimit }),
    keys,
    quota,
    images,
    router,
    storage,
    async close() {
      db.close();
    },
  };
}
