import type { ProviderDescriptor } from '../descriptor.ts';
import { OpenAIImageProvider } from './openai-provider.ts';

export const descriptor: ProviderDescriptor = {
  name: 'openai',
  keyEnv: 'OPENAI_API_KEY',
  baseUrlEnv: 'OPENAI_BASE_URL',
  defaultBaseUrl: 'https://api.openai.com/v1',
  needsKey: true,
  capabilities: { seed: false, negativePrompt: false },
  create: (settings) => new OpenAIImageProvider(settings),
};
