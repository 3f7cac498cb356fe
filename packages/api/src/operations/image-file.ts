import { IMAGE_FORMATS, NotFoundError, etagOf, parseImageFileName, parseRange, type CoreServices } from '@aiphoto/core';
import type { FastifyPluginAsync } from 'fastify';

/**
 * GET /images/<id>.<ext>: stored results, with a year of caching (ids are never reused),
 * ETag/304 and single byte ranges; or a redirect to a presigned bucket URL.
 */
export const imageFileRoute: FastifyPluginAsync<{ services: CoreServices; presign: boolean }> = async (app, { services, presign }) => {
  app.get<{ Params: { file: string } }>('/images/:file', async (request, reply) => {
    const name = parseImageFileName(request.params.file);
    const stat = name && (await services.storage.stat(name.id, name.ext));
    if (!name || !stat) throw new NotFoundError('No such image; it may have expired.');
    const etag = etagOf(name.id);
    if (presign && services.storage.presignedUrl) {
      return reply.header('Cache-Control', 'no-store').redirect(await services.storage.presignedUrl(name.id, name.ext), 302);
    }
    reply
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .header('ETag', etag)
      .header('Last-Modified', stat.lastModified.toUTCString())
      .header('Accept-Ranges', 'bytes')
      .type(IMAGE_FORMATS[name.ext]);
    if (request.headers['if-none-match']?.split(/\s*,\s*/).includes(etag)) return reply.status(304).send();
    const range = parseRange(request.headers.range, stat.size);
    if (range === 'unsatisfiable') {
      return reply.status(416).header('Content-Range', `bytes */${stat.size}`).send();
    }
    if (range) {
      return reply
        .status(206)
        .header('Content-Range', `bytes ${range.start}-${range.end}/${stat.size}`)
        .header('Content-Length', range.end - range.start + 1)
        .send(await services.storage.read(name.id, name.ext, range));
    }
    return reply.header('Content-Length', stat.size).send(await services.storage.read(name.id, name.ext));
  });
};
