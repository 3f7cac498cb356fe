/** Hooks for metrics; core knows nothing of how they are exported. */
export interface GenerationObserver {
  generation(event: { model: string; provider: string; outcome: 'success' | 'content_filtered' | 'failed'; seconds: number }): void;
  /** One enhancement that reached a worker, however it ended. */
  enhancement(event: { model: string; precision: string; scale: number; size?: string; outcome: 'success' | 'failed' | 'canceled'; seconds: number }): void;
  /** One provider attempt inside the fallback chain. */
  providerAttempt(event: { provider: string; outcome: 'success' | 'moderation' | 'retryable' | 'fatal'; seconds: number }): void;
}
