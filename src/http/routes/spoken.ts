import { createRoute } from '@hono/zod-openapi';
import { AppError } from '../../errors.js';
import { SPOKEN_TEXT_HASH, type SpokenTexts } from '../../media/spoken-text/spoken-texts.js';
import { apiRouter, errors } from '../openapi.js';
import { z } from '../../validation/schema.js';

const FileParam = z.object({
  file: z
    .string()
    .refine(
      (file) => file.endsWith('.wav') && SPOKEN_TEXT_HASH.test(file.slice(0, -'.wav'.length)),
      'must be a spoken text’s SHA-256 (64 lowercase hex digits) and .wav',
    )
    .openapi({ param: { name: 'file', in: 'path' }, example: `${'0'.repeat(64)}.wav` }),
});

const getSpoken = createRoute({
  method: 'get',
  path: '/media/spoken/{file}',
  tags: ['Media'],
  security: [],
  summary:
    'A stored text spoken as audio (8 kHz 16-bit mono WAV), for Asterisk to fetch and play (res_http_media_cache)',
  description:
    'No token: Asterisk fetches it, and what it holds is what callers hear. Only texts the switchboard has given out as media (a closed message, queue announcements) are known; any other hash is 404, so no one can have arbitrary text spoken. The content behind a hash never changes.',
  request: { params: FileParam },
  responses: {
    200: { description: 'The audio', content: { 'audio/wav': { schema: z.string().openapi({ format: 'binary' }) } } },
    ...errors(400, 404),
  },
});

/** A year, as for the web console's hashed assets: the audio at a hash never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export function spokenTextRoutes(spokenTexts: Pick<SpokenTexts, 'audio'>) {
  return apiRouter().openapi(getSpoken, async (c) => {
    const hash = c.req.valid('param').file.slice(0, -'.wav'.length);
    const audio = await spokenTexts.audio(hash);
    if (!audio) throw new AppError(404, 'spoken_text_not_found', `No text is stored under ${hash}`);
    // Asterisk's media cache keeps its copy for max-age (a year), then fetches it again.
    return c.body(new Uint8Array(audio), 200, { 'content-type': 'audio/wav', 'cache-control': IMMUTABLE });
  });
}
