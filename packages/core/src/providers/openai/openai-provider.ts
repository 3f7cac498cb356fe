import type { Ratio, Style } from '../../catalog.ts';
import { decodeBase64Image, requestJson, startAttempt, type ProviderSettings } from '../http.ts';
import type { ImageGenerationRequest, ImageGenerationResult, ImageProvider } from '../image-provider.ts';
import { styledPrompt } from '../styles.ts';
import { isOpenAIModeration, openaiImageResponseSchema } from './openai-api.ts';

/** DALL·E 3 accepts exactly these three sizes. */
export const OPENAI_SIZES: Record<Ratio, string> = { '1:1': '1024x1024', '16:9': '1792x1024', '9:16': '1024x1792' };

/** "natural" for styles that should look like a photograph or a restrained drawing; "vivid" for the rest. */
const NATURAL_STYLES = new Set<Style>(['Photorealistic', 'Cinematic', 'Sketch', 'Minimalist']);
/** "hd" where fine detail is the point of the style. */
const HD_STYLES = new Set<Style>(['Photorealistic', 'Cinematic', 'Oil Painting', '3D Render', 'Fantasy']);

/** OpenAI Images (`POST /images/generations`) for dall-e-3, asking for base64 so nothing expires. */
export class OpenAIImageProvider implements ImageProvider {
  readonly id = 'openai';

  constructor(private readonly settings: ProviderSettings) {}

  async generate(request: ImageGenerationRequest): Promise<ImageGenerationResult> {
    const context = startAttempt(this.id, this.settings, request.abortSignal);
    const response = await requestJson(
      context,
      `${this.settings.baseUrl}/images/generations`,
      {
        headers: { authorization: `Bearer ${this.settings.apiKey}` },
        body: {
          model: 'dall-e-3',
          prompt: styledPrompt(request.prompt, request.style),
          n: 1,
          size: OPENAI_SIZES[request.ratio],
          style: NATURAL_STYLES.has(request.style) ? 'natural' : 'vivid',
          quality: HD_STYLES.has(request.style) ? 'hd' : 'standard',
          response_format: 'b64_json',
        },
      },
      openaiImageResponseSchema,
      isOpenAIModeration,
    );
    return { image: await decodeBase64Image(context, response.data[0]!.b64_json), warnings: [] };
  }
}
