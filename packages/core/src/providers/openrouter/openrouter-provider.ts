import { decodeBase64Image, downloadImage, requestJson, startAttempt, type ProviderSettings } from '../http.ts';
import { ProviderError, type ImageGenerationRequest, type ImageGenerationResult, type ImageProvider } from '../image-provider.ts';
import { styledPrompt } from '../styles.ts';
import { isOpenRouterModeration, openrouterResponseSchema } from './openrouter-api.ts';

const DATA_URL = /^data:image\/[a-z+]+;base64,/i;

/**
 * OpenRouter: any image model it routes to (FLUX.2, Gemini image, GPT image …), through
 * chat completions with image output. The aspect ratio goes in `image_config`; the model
 * picks the pixels. The cost OpenRouter reports is kept with the image.
 */
export class OpenRouterImageProvider implements ImageProvider {
  readonly id = 'openrouter';

  constructor(private readonly settings: ProviderSettings) {}

  async generate(request: ImageGenerationRequest): Promise<ImageGenerationResult> {
    const context = startAttempt(this.id, this.settings, request.abortSignal);
    const response = await requestJson(
      context,
      `${this.settings.baseUrl}/chat/completions`,
      {
        headers: { authorization: `Bearer ${this.settings.apiKey}`, 'x-title': 'AIPhoto' },
        body: {
          model: request.upstreamModel,
          messages: [{ role: 'user', content: styledPrompt(request.prompt, request.style) }],
          modalities: ['image', 'text'],
          image_config: { aspect_ratio: request.ratio },
          stream: false,
        },
      },
      openrouterResponseSchema,
      isOpenRouterModeration,
    );
    const url = response.choices[0]!.message.images?.[0]?.image_url.url;
    // A model that answers in text only (it declined, or is not an image model) drew nothing.
    if (!url) throw new ProviderError({ provider: this.id, kind: 'retryable', message: 'answered without an image' });
    const image = DATA_URL.test(url) ? await decodeBase64Image(context, url.replace(DATA_URL, '')) : await downloadImage(context, url);
    return {
      image,
      warnings: [{ setting: 'size', details: `${request.upstreamModel} picks the pixel size for aspect ratio ${request.ratio}.` }],
      ...(typeof response.usage?.cost === 'number' ? { costUsd: response.usage.cost } : {}),
    };
  }
}
