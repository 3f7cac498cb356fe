import type { ProviderDescriptor } from '../descriptor.ts';
import { TogetherImageProvider } from './together-provider.ts';

export const descriptor: ProviderDescriptor = {
  name: 'together',
  keyEnv: 'TOGETHER_API_KEY',
  baseUrlEnv: 'TOGETHER_BASE_URL',
  defaultBaseUrl: 'https://api.together.xyz/v1',
  needsKey: true,
  capabilities: { seed: true, negativePrompt: true },
  create: (settings) => new TogetherImageProvider(settings),
};
