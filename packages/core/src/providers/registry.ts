import { MODEL_IDS, type ModelId } from '../catalog.ts';
import type { Config } from '../config.ts';
import type { ImageProvider } from './image-provider.ts';
import { LocalImageProvider } from './local/local-provider.ts';
import { ProviderRouter, type RouterLogger } from './router.ts';

/**
 * The candidate list per model, from configuration. A model with no configured provider
 * is served by the offline renderer unless AIPHOTO_LOCAL_PROVIDER=off.
 */
export function buildProviderRouter(
  config: Pick<Config, 'localProvider'>,
  options: { configured?: readonly ImageProvider[]; logger?: RouterLogger } = {},
): ProviderRouter {
  const local = new LocalImageProvider();
  const candidates = new Map<ModelId, ImageProvider[]>();
  for (const model of MODEL_IDS) {
    const configured = (options.configured ?? []).filter((provider) => provider.models.includes(model));
    candidates.set(model, configured.length > 0 ? configured : config.localProvider ? [local] : []);
  }
  return new ProviderRouter(candidates, options.logger);
}
