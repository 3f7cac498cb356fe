import type { ProviderDescriptor } from '../descriptor.ts';
import { BflImageProvider } from './bfl-provider.ts';

export const descriptor: ProviderDescriptor = {
  name: 'bfl',
  keyEnv: 'BFL_API_KEY',
  baseUrlEnv: 'BFL_BASE_URL',
  defaultBaseUrl: 'https://api.bfl.ai/v1',
  needsKey: true,
  capabilities: { seed: true, negativePrompt: false },
  create: (settings) => new BflImageProvider(settings),
};
