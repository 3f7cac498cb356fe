import type { Style } from '../../catalog.ts';
import { decodeBase64Image, requestJson, startAttempt, type ProviderSettings } from '../http.ts';
import { ProviderError, type ImageGenerationRequest, type ImageGenerationResult, type ImageProvider } from '../image-provider.ts';
import { styledPrompt } from '../styles.ts';
import { isStabilityModeration, stabilityResponseSchema } from './stability-api.ts';

/** Stability's own style presets, where one matches; the prompt suffix is added either way. */
export const STABILITY_PRESETS: Partial<Record<Style, string>> = {
  Photorealistic: 'photographic',
  Cinematic: 'cinematic',
  Illustration: 'comic-book',
  Anime: 'anime',
  'Digital Art': 'digital-art',
  '3D Render': '3d-model',
  'Pixel Art': 'pixel-art',
  Sketch: 'line-art',
  Fantasy: 'fantasy-art',
};

/** The v2beta endpoints that are a model of their own; every other upstream id is an SD3 model. */
const OWN_ENDPOINTS = new Set(['core', 'ultra']);

/**
 * Stability AI v2beta Stable Image (`/v2beta/stable-image/generate/{sd3,core,ultra}`):
 * multipart in, base64 JSON out. It takes an aspect ratio and picks the pixel size itself.
 */
export class StabilityImageProvider implements ImageProvider {
  readonly id = 'stability';

  constructor(private readonly settings: ProviderSettings) {}

  async generate(request: ImageGenerationRequest): Promise<ImageGenerationResult> {
    const context = startAttempt(this.id, this.settings, request.abortSignal);
    const endpoint = OWN_ENDPOINTS.has(request.upstreamModel) ? request.upstreamModel : 'sd3';
    const form = new FormData();
    form.set('prompt', styledPrompt(request.prompt, request.style));
    if (endpoint === 'sd3') form.set('model', request.upstreamModel);
    form.set('aspect_ratio', request.ratio);
    form.set('output_format', 'png');
    if (request.seed !== undefined) form.set('seed', String(request.seed));
    if (request.negativePrompt !== undefined) form.set('negative_prompt', request.negativePrompt);
    const preset = STABILITY_PRESETS[request.style];
    if (preset && endpoint !== 'ultra') form.set('style_preset', preset);
    const response = await requestJson(
      context,
      `${this.settings.baseUrl}/v2beta/stable-image/generate/${endpoint}`,
      { headers: { authorization: `Bearer ${this.settings.apiKey}`, accept: 'application/json' }, body: form },
      stabilityResponseSchema,
      isStabilityModeration,
    );
    if (response.finish_reason === 'CONTENT_FILTERED') {
      throw new ProviderError({ provider: this.id, kind: 'moderation', message: 'finish_reason CONTENT_FILTERED' });
    }
    return {
      image: await decodeBase64Image(context, response.image),
      warnings: [{ setting: 'size', details: `Stability picks the pixel size for aspect ratio ${request.ratio}.` }],
    };
  }
}
