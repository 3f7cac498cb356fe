import { InvalidRequestError, UnsupportedMediaTypeError } from '@aiphoto/core';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createCaller } from './root.ts';
import type { Context } from './trpc.ts';

const FIELDS = new Set(['strength', 'scale', 'format']);

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
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'image') {
            await part.toBuffer();
            throw new InvalidRequestError(`Unexpected file field "${part.fieldname}"; send the photo as "image".`);
          }
          const bytes = await part.toBuffer();
          fields.image = new File([new Uint8Array(bytes)], part.filename || 'upload', { type: part.mimetype });
        } else if (FIELDS.has(part.fieldname)) {
          fields[part.fieldname] = part.value;
        }
      }
      return createCaller(options.createContext(request, reply)).enhance(fields as never);
    },
  });
}
