import type { ImageStorage } from './image-storage.ts';

export interface RetentionLogger {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

const SWEEP_EVERY_MS = 60 * 60 * 1000;

/**
 * Removes results older than AIPHOTO_IMAGE_TTL_DAYS from whichever storage is in use, at
 * startup and then hourly. Several instances sweeping the same bucket is harmless: deleting
 * an object twice is a no-op.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly storage: ImageStorage,
    private readonly ttlDays: number,
    private readonly clock: () => Date,
    private readonly logger?: RetentionLogger,
  ) {}

  /** Deletes everything stored before now − TTL; returns how many were removed. */
  async sweep(): Promise<number> {
    if (this.ttlDays <= 0) return 0;
    const cutoff = new Date(this.clock().getTime() - this.ttlDays * 86_400_000);
    const deleted = await this.storage.deleteOlderThan(cutoff);
    if (deleted > 0) this.logger?.info({ deleted, cutoff: cutoff.toISOString() }, 'retention removed old images');
    return deleted;
  }

  start(): void {
    if (this.ttlDays <= 0 || this.timer) return;
    const run = () =>
      void this.sweep().catch((error: unknown) => this.logger?.error({ err: String(error) }, 'retention sweep failed'));
    run();
    this.timer = setInterval(run, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
