import { MODEL_IDS, type ModelId } from '../catalog.ts';
import type { Config, ProviderName } from '../config.ts';
import { BflImageProvider } from './bfl/bfl-provider.ts';
import { FalImageProvider } from './fal/fal-provider.ts';
import type { ProviderSettings } from './http.ts';
import type { ImageProvider } from './image-provider.ts';
import { LocalImageProvider } from './local/local-provider.ts';
import { OpenAIImageProvider } from './openai/openai-provider.ts';
import { ReplicateImageProvider } from './replicate/replicate-provider.ts';
import { ProviderRouter, type RouterOptions } from './router.ts';
import { StabilityImageProvider } from './stability/stability-provider.ts';
import { TogetherImageProvider } from './together/together-provider.ts';

/** Candidates per model, in the order they are tried (DESIGN.md §4). */
export const MODEL_CANDIDATES: Record<ModelId, ProviderName[]> = {
  'flux-pro': ['bfl', 'fal', 'replicate'],
  'flux-schnell': ['together', 'fal', 'replicate'],
  'dall-e-3': ['openai'],
  'stable-diffusion-xl-1024-v1-0': ['stability'],
};

const FACTORIES: Record<ProviderName, (settings: ProviderSettings) => ImageProvider> = {
  openai: (settings) => new OpenAIImageProvider(settings),
  stability: (settings) => new StabilityImageProvider(settings),
  bfl: (settings) => new BflImageProvider(settings),
  fal: (settings) => new FalImageProvider(settings),
  replicate: (settings) => new ReplicateImageProvider(settings),
  together: (settings) => new TogetherImageProvider(settings),
};

export function providerSettings(config: Pick<Config, 'providers' | 'timeouts'>, name: ProviderName): ProviderSettings | undefined {
  const provider = config.providers[name];
  return (
    provider && {
      ...provider,
      attemptTimeoutMs: config.timeouts.attemptMs,
      pollIntervalMs: config.timeouts.pollIntervalMs,
    }
  );
}

/**
 * The candidate list per model, from the providers whose key is set. A model with no
 * configured provider is served by the offline renderer unless AIPHOTO_LOCAL_PROVIDER=off.
 */
export function buildProviderRouter(
  config: Pick<Config, 'localProvider' | 'providers' | 'timeouts'>,
  options: Pick<RouterOptions, 'logger' | 'observer'> = {},
): ProviderRouter {
  const instances = new Map<ProviderName, ImageProvider>();
  const local = new LocalImageProvider();
  const candidates = new Map<ModelId, ImageProvider[]>();
  for (const model of MODEL_IDS) {
    const configured = MODEL_CANDIDATES[model].flatMap((name) => {
      const settings = providerSettings(config, name);
      if (!settings) return [];
      if (!instances.has(name)) instances.set(name, FACTORIES[name](settings));
      return [instances.get(name)!];
    });
    candidates.set(model, configured.length > 0 ? configured : config.localProvider ? [local] : []);
  }
  return new ProviderRouter(candidates, { ...options, timeoutMs: config.timeouts.generationMs });
}
