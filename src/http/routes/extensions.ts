import { type ExtensionDoc, extensionBodies } from '../../admin/extensions.js';
import { formatForDisplay } from '../../numbers/phone-number.js';
import { z } from '../../validation/schema.js';
import { viewSchema } from './admin-resource.js';

/** /api/v1/extensions (mounted in app.ts with its store): an extension as shown never has its password or digest. */
export const extensionApi = {
  plural: 'extensions',
  schemas: {
    view: viewSchema('Extension', {
      extension: z.string().openapi({ example: '2460123' }),
      displayName: z.string(),
      municipalityId: z.string(),
      directNumber: z.string().optional().openapi({ example: '+4693514123' }),
      directNumberDisplay: z.string().optional().openapi({ example: '0935-141 23' }),
      directoryEntryId: z.string().optional(),
    }),
    ...extensionBodies,
  },
  shown: (doc: ExtensionDoc): Record<string, string> =>
    doc.directNumber ? { directNumberDisplay: formatForDisplay(doc.directNumber) } : {},
};
