import type { ProviderDescriptor } from '../descriptor.ts';
import { ComfyUIImageProvider, prepareComfyOptions } from './comfyui-provider.ts';

/** A self-hosted server: no default address, no key unless it sits behind a proxy. */
export const descriptor: ProviderDescriptor = {
  name: 'comfyui',
  keyEnv: 'COMFYUI_API_KEY',
  baseUrlEnv: 'COMFYUI_BASE_URL',
  needsKey: false,
  capabilities: { seed: true, negativePrompt: true },
  create: (settings) => new ComfyUIImageProvider(settings),
  prepareOptions: prepareComfyOptions,
};
