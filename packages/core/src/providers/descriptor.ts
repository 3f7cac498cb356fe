import type { ProviderSettings } from './http.ts';
import type { ImageProvider } from './image-provider.ts';

/**
 * Everything the service knows about one provider, in one place: how it is configured, what
 * it can honour, and how to build its adapter. Config, registry and test fakes loop over
 * these; adding a provider is a new folder and one line in descriptors.ts.
 */
export interface ProviderDescriptor {
  /** Stable name used in the catalog, responses, logs and metrics. */
  name: string;
  /** The variable holding its key (a catalog candidate may name another with `api_key_env`). */
  keyEnv: string;
  /** The variable that overrides its base URL. */
  baseUrlEnv: string;
  /** Hosted providers have one; self-hosted servers must be given a `base_url`. */
  defaultBaseUrl?: string;
  /** Hosted providers are skipped without a key; self-hosted ones may run without. */
  needsKey: boolean;
  capabilities: {
    /** Honours a caller's seed. */
    seed: boolean;
    /** Honours a negative prompt. */
    negativePrompt: boolean;
  };
  create(settings: ProviderSettings): ImageProvider;
  /**
   * Checks a catalog candidate's `options` at startup and returns them ready for the adapter
   * (ComfyUI reads its workflow file here); throws an Error whose message says what is wrong.
   * `baseDir` anchors relative paths (the catalog file's folder).
   */
  prepareOptions?(options: Readonly<Record<string, unknown>>, baseDir: string): Record<string, unknown>;
}
