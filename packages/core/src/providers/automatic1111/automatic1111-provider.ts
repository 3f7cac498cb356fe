import { RATIO_SIZES } from '../../catalog.ts';
import { decodeBase64Image, requestJson, startAttempt, type ProviderSettings } from '../http.ts';
import type { ImageGenerationRequest, ImageGenerationResult, ImageProvider } from '../image-provider.ts';
import { styledPrompt } from '../styles.ts';
import { txt2imgResponseSchema } from './automatic1111-api.ts';

/** Settings the catalog may give a candidate (`options`), with the web UI's usual defaults. */
const DEFAULTS = { steps: 30, cfg_scale: 7, sampler_name: 'DPM++ 2M' };

/**
 * AUTOMATIC1111 / Forge, started with `--api`: `POST /sdapi/v1/txt2img` at the catalog's
 * `base_url`. The upstream model is the checkpoint (`override_settings.sd_model_checkpoint`;
 * "default" keeps the one loaded). A key, when set, is the `--api-auth` "user:password".
 */
export class Automatic1111ImageProvider implements ImageProvider {
  readonly id = 'automatic1111';

  constructor(private readonly settings: ProviderSettings) {}

  async generate(request: ImageGenerationRequest): Promise<ImageGenerationResult> {
    const context = startAttempt(this.id, this.settings, request.abortSignal);
    const options = { ...DEFAULTS, ...pick(request.options, ['steps', 'cfg_scale', 'sampler_name', 'negative_prompt']) };
    const response = await requestJson(
      context,
      `${this.settings.baseUrl}/sdapi/v1/txt2img`,
      {
        headers: this.settings.apiKey ? { authorization: `Basic ${Buffer.from(this.settings.apiKey).toString('base64')}` } : {},
        body: {
          prompt: styledPrompt(request.prompt, request.style),
          ...RATIO_SIZES[request.ratio],
          seed: request.seed ?? -1,
          batch_size: 1,
          n_iter: 1,
          ...options,
          ...(request.negativePrompt === undefined ? {} : { negative_prompt: request.negativePrompt }),
          ...(request.upstreamModel === 'default' ? {} : { override_settings: { sd_model_checkpoint: request.upstreamModel } }),
        },
      },
      txt2imgResponseSchema,
    );
    return { image: await decodeBase64Image(context, response.images[0]!), warnings: [] };
  }
}

function pick(options: Readonly<Record<string, unknown>> | undefined, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options ?? {}).filter(([name]) => names.includes(name)));
}
