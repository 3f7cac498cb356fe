import type { ProviderDescriptor } from '../descriptor.ts';
import { OpenRouterImageProvider } from './openrouter-provider.ts';

export const descriptor: ProviderDescriptor = {
  name: 'openrouter',
  keyEnv: 'OPENROUTER_API_KEY',
  baseUrlEnv: 'OPENROUTER_BASE_URL',
  defaultBaseUrl: 'https://openrouter.ai/api/v1',
  needsKey: true,
  capabilities: { seed: false, negativePrompt: false },
  create: (settings) => new OpenRouterImageProvider(settings),
};
