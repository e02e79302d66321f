import { openingExceptionBodies, openingHoursBodies } from '../../admin/opening-hours.js';
import { viewSchema } from './admin-resource.js';

/** /api/v1/opening-hours (mounted in app.ts with its store): a municipality's weekly hours and manual override, its id the kommunkod. */
export const openingHoursApi = {
  plural: 'opening-hours',
  schemas: { view: viewSchema('OpeningHours', openingHoursBodies.create.shape), ...openingHoursBodies },
};

/** /api/v1/opening-hours-exceptions: one-off periods (Julafton, Personaldag) with their own hours or closed. */
export const openingExceptionApi = {
  plural: 'opening-hours-exceptions',
  schemas: { view: viewSchema('OpeningException', openingExceptionBodies.create.shape), ...openingExceptionBodies },
};
