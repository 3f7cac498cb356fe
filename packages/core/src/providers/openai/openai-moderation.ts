import { ContentFilteredError, ServiceUnavailableError } from '../../errors.ts';
import { ProviderError } from '../image-provider.ts';
import { requestJson, startAttempt, type ProviderSettings } from '../http.ts';
import { openaiModerationResponseSchema } from './openai-api.ts';

export interface PromptModeration {
  /** Throws `ContentFilteredError` when the prompt is flagged. */
  check(prompt: string, abortSignal?: AbortSignal): Promise<void>;
}

/**
 * OpenAI's moderation endpoint, run after the local filter and before any quota is taken.
 * If it cannot be reached the request fails closed (503): an operator who asked for
 * remote moderation never gets unmoderated generations.
 */
export class OpenAIModeration implements PromptModeration {
  constructor(private readonly settings: ProviderSettings) {}

  async check(prompt: string, abortSignal?: AbortSignal): Promise<void> {
    const context = startAttempt('openai-moderation', this.settings, abortSignal);
    let flagged: boolean;
    try {
      const response = await requestJson(
        context,
        `${this.settings.baseUrl}/moderations`,
        { headers: { authorization: `Bearer ${this.settings.apiKey}` }, body: { model: 'omni-moderation-latest', input: prompt } },
        openaiModerationResponseSchema,
      );
      flagged = response.results.some((result) => result.flagged);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      throw new ServiceUnavailableError('Content moderation is unavailable right now; retry shortly.', { retryAfterSeconds: 10, cause: error });
    }
    if (flagged) {
      throw new ContentFilteredError('The prompt was rejected by content moderation; rephrase it and try again.');
    }
  }
}
