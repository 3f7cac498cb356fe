import type { ProviderDescriptor } from '../descriptor.ts';
import { ReplicateImageProvider } from './replicate-provider.ts';

export const descriptor: ProviderDescriptor = {
  name: 'replicate',
  keyEnv: 'REPLICATE_API_TOKEN',
  baseUrlEnv: 'REPLICATE_BASE_URL',
  defaultBaseUrl: 'https://api.replicate.com/v1',
  needsKey: true,
  capabilities: { seed: true, negativePrompt: false },
  create: (settings) => new ReplicateImageProvider(settings),
};
