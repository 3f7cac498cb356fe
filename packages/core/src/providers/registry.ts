import type { Config, ResolvedCandidate } from '../config.ts';
import { providerNamed } from './descriptors.ts';
import type { ProviderSettings } from './http.ts';
import type { ImageProvider } from './image-provider.ts';
import { LocalImageProvider } from './local/local-provider.ts';
import { ProviderRouter, type Candidate, type RouterOptions } from './router.ts';

export function providerSettings(config: Pick<Config, 'timeouts'>, candidate: Pick<ResolvedCandidate, 'settings'>): ProviderSettings {
  return { ...candidate.settings, attemptTimeoutMs: config.timeouts.attemptMs, pollIntervalMs: config.timeouts.pollIntervalMs };
}

/**
 * The candidate list per model, from the catalog's candidates this server can call. A model
 * with none is served by the offline renderer unless AIPHOTO_LOCAL_PROVIDER=off. Candidates
 * on the same provider, address and key share one adapter (and so one circuit breaker).
 */
export function buildProviderRouter(
  config: Pick<Config, 'localProvider' | 'models' | 'timeouts'>,
  options: Pick<RouterOptions, 'logger' | 'observer'> = {},
): ProviderRouter {
  const instances = new Map<string, ImageProvider>();
  const local = new LocalImageProvider();
  const candidates = new Map<string, Candidate[]>();
  const aliases = new Map<string, string>();
  for (const model of config.models) {
    const configured = model.candidates.map((candidate) => {
      const key = JSON.stringify([candidate.provider, candidate.settings.baseUrl, candidate.settings.apiKey]);
      if (!instances.has(key)) instances.set(key, providerNamed(candidate.provider)!.create(providerSettings(config, candidate)));
      const descriptor = providerNamed(candidate.provider)!;
      return { provider: instances.get(key)!, upstreamModel: candidate.model, options: candidate.options, capabilities: descriptor.capabilities };
    });
    candidates.set(model.id, configured.length > 0 ? configured : config.localProvider ? [{ provider: local, upstreamModel: 'local', options: {}, capabilities: { seed: true, negativePrompt: false } }] : []);
    for (const alias of model.aliases) aliases.set(alias.toLowerCase(), model.id);
    aliases.set(model.id.toLowerCase(), model.id);
  }
  return new ProviderRouter(candidates, { ...options, aliases, timeoutMs: config.timeouts.generationMs });
}
