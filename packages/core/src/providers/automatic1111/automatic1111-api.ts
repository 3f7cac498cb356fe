import { z } from 'zod';

/**
 * `POST /sdapi/v1/txt2img` answers `{images: [base64 PNG], parameters, info}`, where `info`
 * is a JSON string that carries the seed actually used
 * (github.com/AUTOMATIC1111/stable-diffusion-webui/wiki/API; the server's own /docs).
 */
export const txt2imgResponseSchema = z.object({
  images: z.array(z.string()).min(1),
  info: z.string().optional(),
});
