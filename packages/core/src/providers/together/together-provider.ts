import { RATIO_SIZES } from '../../catalog.ts';
import { decodeBase64Image, requestJson, startAttempt, type ProviderSettings } from '../http.ts';
import type { ImageGenerationRequest, ImageGenerationResult, ImageProvider } from '../image-provider.ts';
import { styledPrompt } from '../styles.ts';
import { isTogetherModeration, togetherResponseSchema } from './together-api.ts';

/** Together's `/images/generations` (FLUX.1 [schnell] by default), 4 steps, base64 so nothing expires. */
export class TogetherImageProvider implements ImageProvider {
  readonly id = 'together';

  constructor(private readonly settings: ProviderSettings) {}

  async generate(request: ImageGenerationRequest): Promise<ImageGenerationResult> {
    const context = startAttempt(this.id, this.settings, request.abortSignal);
    const response = await requestJson(
      context,
      `${this.settings.baseUrl}/images/generations`,
      {
        headers: { authorization: `Bearer ${this.settings.apiKey}` },
        body: {
          model: request.upstreamModel,
          prompt: styledPrompt(request.prompt, request.style),
          ...RATIO_SIZES[request.ratio],
          steps: 4,
          n: 1,
          response_format: 'base64',
          ...(request.seed === undefined ? {} : { seed: request.seed }),
          ...(request.negativePrompt === undefined ? {} : { negative_prompt: request.negativePrompt }),
        },
      },
      togetherResponseSchema,
      isTogetherModeration,
    );
    return { image: await decodeBase64Image(context, response.data[0]!.b64_json), warnings: [] };
  }
}
