import { MODEL_IDS, type ModelId } from '../catalog.ts';
import type { Config, ProviderName } from '../config.ts';
import { BflImageProvider } from './bfl/bfl-provider.ts';
import { FalImageProvider } from './fal/fal-provider.ts';
import type { ProviderSettings } from './http.ts';
import type { ImageProvider } from './image-provider.ts';
import { LocalImageProvider } from './local/local-provider.ts';
import { OpenAIImageProvider } from './openai/openai-provider.ts';
import { ReplicateImageProvider } from './replicate/replicate-provider.ts';
import { ProviderRouter, type Candidate, type RouterOptions } from './router.ts';
import { StabilityImageProvider } from './stability/stability-provider.ts';
import { TogetherImageProvider } from './together/together-provider.ts';

/**
 * Candidates per model, in the order they are tried (DESIGN.md §4), each on the upstream
 * model its provider serves now (the providers' documentation, cited in providers/README.md).
 */
export const MODEL_CANDIDATES: Record<ModelId, { provider: ProviderName; model: string }[]> = {
  'flux-pro': [
    { provider: 'bfl', model: 'flux-pro-1.1' },
    { provider: 'fal', model: 'fal-ai/flux-pro/v1.1' },
    { provider: 'replicate', model: 'black-forest-labs/flux-1.1-pro' },
  ],
  'flux-schnell': [
    { provider: 'together', model: 'black-forest-labs/FLUX.1-schnell' },
    { provider: 'fal', model: 'fal-ai/flux/schnell' },
    { provider: 'replicate', model: 'black-forest-labs/flux-schnell' },
  ],
  // OpenAI shut DALL·E 3 down on 2026-05-12; the id now reaches its current GPT image model.
  'dall-e-3': [{ provider: 'openai', model: 'gpt-image-2' }],
  // Stability's v1 SDXL engine is legacy; SD 3.5 Large is the closest model it still serves.
  'stable-diffusion-xl-1024-v1-0': [{ provider: 'stability', model: 'sd3.5-large' }],
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
  const candidates = new Map<ModelId, Candidate[]>();
  for (const model of MODEL_IDS) {
    const configured = MODEL_CANDIDATES[model].flatMap(({ provider: name, model: upstreamModel }) => {
      const settings = providerSettings(config, name);
      if (!settings) return [];
      if (!instances.has(name)) instances.set(name, FACTORIES[name](settings));
      return [{ provider: instances.get(name)!, upstreamModel }];
    });
    candidates.set(model, configured.length > 0 ? configured : config.localProvider ? [{ provider: local, upstreamModel: 'local' }] : []);
  }
  return new ProviderRouter(candidates, { ...options, timeoutMs: config.timeouts.generationMs });
}
