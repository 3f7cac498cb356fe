import type { Readable } from 'node:stream';
import { AIPhotoError, InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '@aiphoto/core';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createCaller } from './root.ts';
import type { Context } from './trpc.ts';

const FIELDS = new Set(['strength', 'scale', 'format']);

const hasFastifyCode = (error: unknown) => typeof (error as { code?: unknown })?.code === 'string';

/**
 * Collects a file part, refusing the moment it passes the limit: busboy would otherwise
 * read (and drop) the rest of an oversized upload before saying anything.
 */
async function readWithinLimit(file: Readable, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  // busboy stops the file at `fileSize` and says so with 'limit'; failing the stream there
  // ends the read at once instead of after the rest of the body.
  const onLimit = () => file.destroy(new PayloadTooLargeError(`The upload is larger than the ${maxBytes}-byte limit.`));
  file.once('limit', onLimit);
  try {
    for await (const chunk of file as AsyncIterable<Buffer>) chunks.push(chunk);
  } finally {
    file.off('limit', onLimit);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * POST /api/enhance as a plain Fastify route: trpc-to-openapi's adapters accept JSON only,
 * so this route reads the multipart body and calls the very same `enhance` procedure.
 */
export async function registerEnhanceRoute(
  app: FastifyInstance,
  options: { maxUploadBytes: number; createContext: (request: FastifyRequest, reply: FastifyReply) => Context },
) {
  await app.register(multipart, {
    limits: { fileSize: options.maxUploadBytes, files: 1, fields: FIELDS.size, fieldSize: 1024, parts: FIELDS.size + 1 },
  });

  app.post('/api/enhance', {
    handler: async (request, reply) => {
      if (!request.isMultipart()) {
        throw new UnsupportedMediaTypeError('Send the photo as multipart/form-data with an "image" file field.');
      }
      const fields: Record<string, unknown> = {};
      try {
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            if (part.fieldname !== 'image') {
              throw new InvalidRequestError(`Unexpected file field "${part.fieldname}"; send the photo as "image".`);
            }
            const bytes = await readWithinLimit(part.file, options.maxUploadBytes);
            fields.image = new File([bytes], part.filename || 'upload', { type: part.mimetype });
          } else if (FIELDS.has(part.fieldname)) {
            fields[part.fieldname] = part.value;
          }
        }
      } catch (error) {
        if (error instanceof AIPhotoError || hasFastifyCode(error)) throw error;
        // busboy's own complaints (a body cut short, a broken boundary) are the client's.
        throw new InvalidRequestError('The multipart body is malformed or was cut short.');
      }
      return createCaller(options.createContext(request, reply)).enhance(fields as never);
    },
  });
}
