import { MAX_PROMPT_CHARACTERS, RATIOS } from '@aiphoto/core/catalog';

/** The error every call can end in: the server's code and sentence, or a network failure. */
export interface ApiFailure {
  code: string;
  message: string;
}

export function failureFrom(error: unknown): ApiFailure {
  const data = (error as { data?: { error?: string } } | undefined)?.data;
  const message = error instanceof Error ? error.message : String(error);
  if (data?.error) return { code: data.error, message };
  return { code: 'network', message };
}

const time = (iso: string | undefined, locale?: string) =>
  iso ? new Date(iso).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' }) : 'midnight UTC';

/**
 * One plain sentence per error code, in words a person can act on. `resetAt` makes the
 * rate-limit sentence say when the quota comes back, in the reader's own time zone.
 */
export function describeFailure(failure: ApiFailure, context: { resetAt?: string; locale?: string } = {}): string {
  switch (failure.code) {
    case 'invalid_prompt':
      return `Please write a prompt of up to ${MAX_PROMPT_CHARACTERS} characters.`;
    case 'invalid_model':
      return 'That model is not available; pick another one.';
    case 'invalid_style':
      return 'That style is not available; pick another one.';
    case 'invalid_ratio':
      return `That aspect ratio is not available; pick ${RATIOS.join(', ').replace(/, ([^,]+)$/, ' or $1')}.`;
    case 'invalid_image':
      return `This file can't be enhanced: ${failure.message}`;
    case 'invalid_request':
      return `Something in the request was not accepted: ${failure.message}`;
    case 'unauthorized':
      return 'Your API key was not accepted. Check it, or clear it to use the free plan.';
    case 'not_found':
      return 'That was not found; it may have expired.';
    case 'payload_too_large':
      return `That file is too large to upload. ${failure.message}`;
    case 'unsupported_media_type':
      return 'That kind of upload is not accepted; choose an image file.';
    case 'content_filtered': {
      // The server names the category (never the matched words); the reader should see it.
      const category = /\(([^)]+)\)/.exec(failure.message)?.[1];
      return `That prompt was blocked by the content filter${category ? ` (${category})` : ''}. Try describing something else.`;
    }
    case 'rate_limited':
      return `You've used all of today's images. Your quota resets at ${time(context.resetAt, context.locale)} your time; an API key lifts the free limit.`;
    case 'generation_failed':
      return 'The image could not be made this time. Try again, or pick another model. You were not charged.';
    case 'service_unavailable':
      return 'The service is busy right now. Please try again in a few seconds. You were not charged.';
    case 'canceled':
      return failure.message;
    case 'network':
      return 'Could not reach the server. Check your connection and try again.';
    default:
      return 'Something went wrong on our side. Please try again. You were not charged.';
  }
}
