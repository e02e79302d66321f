import { type NumberDoc, NumberTargetSchema, numberBodies } from '../../admin/numbers.js';
import { formatForDisplay } from '../../numbers/phone-number.js';
import { z } from '../../validation/schema.js';
import { viewSchema } from './admin-resource.js';

/** /api/v1/numbers (mounted in app.ts with its store): direct-dial numbers and where their calls go. */
export const numberApi = {
  plural: 'numbers',
  schemas: {
    view: viewSchema('DirectNumber', {
      number: z.string().openapi({ example: '+4693514123' }),
      numberDisplay: z.string().openapi({ example: '0935-141 23' }),
      municipalityId: z.string(),
      target: NumberTargetSchema,
    }),
    ...numberBodies,
  },
  shown: (doc: NumberDoc) => ({ numberDisplay: formatForDisplay(doc.number) }),
};
