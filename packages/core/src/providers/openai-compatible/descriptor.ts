import type { ProviderDescriptor } from '../descriptor.ts';
import { OpenAICompatibleImageProvider } from './openai-compatible-provider.ts';

/** A self-hosted server: no default address, the key is optional. */
export const descriptor: ProviderDescriptor = {
  name: 'openai-compatible',
  keyEnv: 'OPENAI_COMPATIBLE_API_KEY',
  baseUrlEnv: 'OPENAI_COMPATIBLE_BASE_URL',
  needsKey: false,
  capabilities: { seed: false, negativePrompt: false },
  create: (settings) => new OpenAICompatibleImageProvider(settings),
};
