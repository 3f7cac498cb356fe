import type { ProviderDescriptor } from '../descriptor.ts';
import { FalImageProvider } from './fal-provider.ts';

export const descriptor: ProviderDescriptor = {
  name: 'fal',
  keyEnv: 'FAL_KEY',
  baseUrlEnv: 'FAL_BASE_URL',
  defaultBaseUrl: 'https://queue.fal.run',
  needsKey: true,
  capabilities: { seed: true, negativePrompt: false },
  create: (settings) => new FalImageProvider(settings),
};
