import { RATIO_SIZES, type Style } from '../../catalog.ts';
import { decodeBase64Image, requestJson, startAttempt, type ProviderSettings } from '../http.ts';
import { ProviderError, type ImageGenerationRequest, type ImageGenerationResult, type ImageProvider } from '../image-provider.ts';
import { styledPrompt } from '../styles.ts';
import { isStabilityModeration, stabilityResponseSchema } from './stability-api.ts';

const ENGINE = 'stable-diffusion-xl-1024-v1-0';

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

/** Stability AI v1 text-to-image for SDXL 1.0. */
export class StabilityImageProvider implements ImageProvider {
  readonly id = 'stability';

  constructor(private readonly settings: ProviderSettings) {}

  async generate(request: ImageGenerationRequest): Promise<ImageGenerationResult> {
    const context = startAttempt(this.id, this.settings, request.abortSignal);
    const preset = STABILITY_PRESETS[request.style];
    const response = await requestJson(
      context,
      `${this.settings.baseUrl}/v1/generation/${ENGINE}/text-to-image`,
      {
        headers: { authorization: `Bearer ${this.settings.apiKey}`, accept: 'application/json' },
        body: {
          text_prompts: [{ text: styledPrompt(request.prompt, request.style), weight: 1 }],
          // SDXL v1 takes nine sizes only (1024², 1152×896, 1216×832, 1344×768, 1536×640 and
          // their transposes); the catalog's three are among them.
          ...RATIO_SIZES[request.ratio],
          samples: 1,
          cfg_scale: 7,
          steps: 30,
          ...(preset ? { style_preset: preset } : {}),
        },
      },
      stabilityResponseSchema,
      isStabilityModeration,
    );
    const artifact = response.artifacts[0]!;
    if (artifact.finishReason === 'CONTENT_FILTERED') {
      throw new ProviderError({ provider: this.id, kind: 'moderation', message: 'finishReason CONTENT_FILTERED' });
    }
    if (artifact.finishReason === 'ERROR') {
      throw new ProviderError({ provider: this.id, kind: 'retryable', message: 'finishReason ERROR' });
    }
    return { image: await decodeBase64Image(context, artifact.base64), warnings: [] };
  }
}
