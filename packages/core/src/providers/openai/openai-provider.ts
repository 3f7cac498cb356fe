import { RATIO_SIZES, type Ratio, type Style } from '../../catalog.ts';
import { decodeBase64Image, requestJson, startAttempt, type ProviderSettings } from '../http.ts';
import type { ImageGenerationRequest, ImageGenerationResult, ImageProvider, ProviderWarning } from '../image-provider.ts';
import { styledPrompt } from '../styles.ts';
import { isOpenAIModeration, openaiImageResponseSchema } from './openai-api.ts';

/** The three sizes every GPT image model takes. */
const STANDARD_SIZES: Record<Ratio, string> = { '1:1': '1024x1024', '16:9': '1536x1024', '9:16': '1024x1536' };

/**
 * gpt-image-2 and later take any WIDTHxHEIGHT with both sides divisible by 16 and a ratio
 * within 1:3–3:1, so they draw the catalog's own sizes; earlier GPT image models take only
 * the three standard sizes.
 */
const takesAnySize = (model: string) => Number(/^gpt-image-(\d+)/.exec(model)?.[1] ?? 0) >= 2;

/** "high" where fine detail is the point of the style, "medium" for the rest. */
const HIGH_QUALITY_STYLES = new Set<Style>(['Photorealistic', 'Cinematic', 'Oil Painting', '3D Render', 'Fantasy']);

/**
 * OpenAI Images (`POST /images/generations`) with the GPT image models, which always answer
 * in base64 and take neither `response_format` nor DALL·E's `style`.
 */
export class OpenAIImageProvider implements ImageProvider {
  readonly id = 'openai';

  constructor(private readonly settings: ProviderSettings) {}

  async generate(request: ImageGenerationRequest): Promise<ImageGenerationResult> {
    const context = startAttempt(this.id, this.settings, request.abortSignal);
    const exact = takesAnySize(request.upstreamModel);
    const size = exact ? `${RATIO_SIZES[request.ratio].width}x${RATIO_SIZES[request.ratio].height}` : STANDARD_SIZES[request.ratio];
    const response = await requestJson(
      context,
      `${this.settings.baseUrl}/images/generations`,
      {
        headers: { authorization: `Bearer ${this.settings.apiKey}` },
        body: {
          model: request.upstreamModel,
          prompt: styledPrompt(request.prompt, request.style),
          n: 1,
          size,
          quality: HIGH_QUALITY_STYLES.has(request.style) ? 'high' : 'medium',
          output_format: 'png',
        },
      },
      openaiImageResponseSchema,
      isOpenAIModeration,
    );
    const warnings: ProviderWarning[] = exact
      ? []
      : [{ setting: 'size', details: `${request.upstreamModel} draws ${size} for aspect ratio ${request.ratio}.` }];
    return {
      image: await decodeBase64Image(context, response.data[0]!.b64_json),
      warnings,
      ...(response.usage ? { tokens: { input: response.usage.input_tokens, output: response.usage.output_tokens } } : {}),
    };
  }
}
