/**
 * What callers can ask for. Which models exist and who serves them is data
 * (model-catalog.ts); these are the seed's model ids, which always exist.
 */
export const MODEL_IDS = ['flux-pro', 'dall-e-3', 'stable-diffusion-xl-1024-v1-0', 'flux-schnell'] as const;
/** A public model id: one of the seed's, or one the operator's catalog adds. */
export type ModelId = string;
export const DEFAULT_MODEL: ModelId = 'flux-pro';

export const STYLES = [
  'Photorealistic',
  'Cinematic',
  'Illustration',
  'Anime',
  'Digital Art',
  'Watercolor',
  'Oil Painting',
  '3D Render',
  'Pixel Art',
  'Sketch',
  'Fantasy',
  'Minimalist',
] as const;
export type Style = (typeof STYLES)[number];
export const DEFAULT_STYLE: Style = 'Photorealistic';

/** Case-insensitive, whitespace-tolerant lookup; returns the canonical spelling. */
export function findStyle(input: string): Style | undefined {
  const wanted = input.trim().toLowerCase();
  return STYLES.find((style) => style.toLowerCase() === wanted);
}

export const RATIOS = ['1:1', '16:9', '9:16'] as const;
export type Ratio = (typeof RATIOS)[number];
export const DEFAULT_RATIO: Ratio = '1:1';

/**
 * The size we deliver for each ratio when a provider has no fixed size table of its own.
 * Both sides are multiples of 64, which every diffusion provider accepts; 16:9 is the
 * common 1344×768 SDXL/FLUX bucket (1.75:1, the closest legal size to 16:9 at ~1 MP).
 */
export const RATIO_SIZES: Record<Ratio, { width: number; height: number }> = {
  '1:1': { width: 1024, height: 1024 },
  '16:9': { width: 1344, height: 768 },
  '9:16': { width: 768, height: 1344 },
};


export const MAX_PROMPT_CHARACTERS = 400;

/** ESRGAN model sizes that ship with the service (the operator picks one). */
export const MODEL_SIZES = ['slim', 'medium', 'thick'] as const;
export type ModelSize = (typeof MODEL_SIZES)[number];
/** Upscaling factors callers may ask enhance for. */
export const SCALES = [2, 3, 4] as const;
export type Scale = (typeof SCALES)[number];
/** Where the enhance model runs; naming them here keeps reading the config from loading onnxruntime. */
export const RUNTIMES = ['onnx', 'tfjs'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];
/** The arithmetic the enhance model runs in (int8 on onnxruntime only). */
export const PRECISIONS = ['fp32', 'int8'] as const;
export type Precision = (typeof PRECISIONS)[number];
/** What the operator sets: a precision, or "auto" (int8 where the CPU has VNNI). */
export const PRECISION_SETTINGS = ['auto', ...PRECISIONS] as const;
export type PrecisionSetting = (typeof PRECISION_SETTINGS)[number];
