import {
  backoff,
  downloadImage,
  assertMayCarryCredentials,
  pause,
  requestJson,
  startAttempt,
  type ProviderSettings,
} from '../http.ts';
import { ProviderError, type ImageGenerationRequest, type ImageGenerationResult, type ImageProvider } from '../image-provider.ts';
import { styledPrompt } from '../styles.ts';
import { isReplicateModerationError, replicatePredictionSchema } from './replicate-api.ts';

/** Replicate's longest synchronous wait; beyond it the prediction is polled. */
const MAX_PREFER_WAIT_SECONDS = 60;

/**
 * Replicate official models: create the prediction with `Prefer: wait` (often done in one
 * round trip), otherwise poll `urls.get`; download the output file without the token.
 */
export class ReplicateImageProvider implements ImageProvider {
  readonly id = 'replicate';

  constructor(private readonly settings: ProviderSettings) {}

  async generate(request: ImageGenerationRequest): Promise<ImageGenerationResult> {
    const context = startAttempt(this.id, this.settings, request.abortSignal);
    const auth = { authorization: `Bearer ${this.settings.apiKey}` };
    const waitSeconds = Math.max(1, Math.min(MAX_PREFER_WAIT_SECONDS, Math.floor(this.settings.attemptTimeoutMs / 1000) - 1));
    let prediction = await requestJson(
      context,
      `${this.settings.baseUrl}/models/${request.upstreamModel}/predictions`,
      {
        headers: { ...auth, prefer: `wait=${waitSeconds}` },
        body: { input: { prompt: styledPrompt(request.prompt, request.style), aspect_ratio: request.ratio, output_format: 'png', ...(request.seed === undefined ? {} : { seed: request.seed }) } },
      },
      replicatePredictionSchema,
    );
    assertMayCarryCredentials(context, prediction.urls.get, this.settings.baseUrl);
    const polls = backoff(this.settings.pollIntervalMs);
    while (prediction.status === 'starting' || prediction.status === 'processing') {
      request.onStatus?.(prediction.status);
      await pause(context, polls.next().value!);
      prediction = await requestJson(context, prediction.urls.get, { headers: auth }, replicatePredictionSchema);
    }
    if (prediction.status !== 'succeeded') {
      const kind = prediction.status === 'failed' && isReplicateModerationError(prediction.error) ? 'moderation' : 'retryable';
      throw new ProviderError({ provider: this.id, kind, message: `prediction ${prediction.status}` });
    }
    const output = Array.isArray(prediction.output) ? prediction.output[0] : prediction.output;
    if (!output) throw new ProviderError({ provider: this.id, kind: 'retryable', message: 'succeeded without output' });
    return {
      image: await downloadImage(context, output),
      // Replicate's FLUX models take an aspect ratio, not pixel sizes.
      warnings: [{ setting: 'size', details: `Replicate picks the pixel size for aspect ratio ${request.ratio}.` }],
    };
  }
}
