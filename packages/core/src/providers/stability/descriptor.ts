import type { ProviderDescriptor } from '../descriptor.ts';
import { StabilityImageProvider } from './stability-provider.ts';

export const descriptor: ProviderDescriptor = {
  name: 'stability',
  keyEnv: 'STABILITY_API_KEY',
  baseUrlEnv: 'STABILITY_BASE_URL',
  defaultBaseUrl: 'https://api.stability.ai',
  needsKey: true,
  capabilities: { seed: true, negativePrompt: true },
  create: (settings) => new StabilityImageProvider(settings),
};
