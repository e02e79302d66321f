// The API's zod (extended for OpenAPI): these schemas describe the API, whichever module loads them first.
import { z } from '../../validation/schema.js';
import { parsePhoneNumber } from '../../numbers/phone-number.js';

/**
 * One entry of the region's shared directory: a person, a department, or a function
 * ("Bygglov", "Färdtjänst") that callers ask for. Numbers are stored E.164 and shown in
 * national format (numbers/phone-number.ts formatForDisplay).
 */

export const ENTRY_KINDS = ['person', 'department', 'function'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** Why someone cannot take calls now ("hänvisning"); the operator tells the caller. */
export const ABSENCE_REASONS = ['meeting', 'lunch', 'leave', 'sick', 'travel', 'other'] as const;

/** Ids appear in Redis keys and URLs, so they are kept to a safe alphabet. */
export const ENTRY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Paths beside /directory/entries/{id} (the CSV routes, mounted first): an entry with such an id could never be read. */
const RESERVED_IDS = ['export', 'import'];

/** The id of an entry, as given to a new one (an import keeping ids across exports) or linked to (an extension's directoryEntryId). */
export const entryIdSchema = z
  .string()
  .regex(ENTRY_ID_PATTERN, 'must be 1 to 64 letters, digits, "-" or "_"')
  .refine((id) => !RESERVED_IDS.includes(id), {
    message: 'is reserved (/directory/entries/export and …/import are paths of the API): choose another id',
  });
const MAX_PHONE_NUMBERS = 10;
const MAX_KEYWORDS = 30;

const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** Optional text where an empty value (a blank CSV cell, a cleared form field) means "none" rather than an error. */
const optionalText = (max: number) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), text(max).optional());

const phoneNumber = z
  .string()
  .max(40, 'must be at most 40 characters')
  .transform((raw, ctx) => {
    const parsed = parsePhoneNumber(raw);
    if (parsed.ok) return parsed.e164;
    ctx.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  });

/** The same number written twice ("0935-141 23" and "+4693514123") is one number. */
const unique = <T>(values: T[]) => [...new Set(values)];

export const absenceInputSchema = z.strictObject({
  reason: z.enum(ABSENCE_REASONS),
  text: optionalText(200),
  until: z.iso
    .datetime({ offset: true, message: 'must be an ISO date and time with offset, e.g. 2025-03-14T14:00:00+01:00' })
    .optional(),
});

const editableFields = {
  /** Given by imports that keep ids across exports; a new entry gets a generated one otherwise. */
  id: entryIdSchema.optional(),
  municipalityId: z.string().regex(/^\d{4}$/, 'must be the four-digit SCB kommunkod'),
  title: optionalText(100),
  department: optionalText(100),
  keywords: z.array(text(50)).max(MAX_KEYWORDS, `must be at most ${MAX_KEYWORDS}`).default([]).transform(unique),
  location: optionalText(200),
  phoneNumbers: z
    .array(phoneNumber)
    .max(MAX_PHONE_NUMBERS, `must be at most ${MAX_PHONE_NUMBERS}`)
    .default([])
    .transform(unique),
  extension: z
    .string()
    .regex(/^\d{2,8}$/, 'must be 2 to 8 digits')
    .optional(),
  email: z.email('must be an e-mail address').max(254).optional(),
  absence: absenceInputSchema.nullable().default(null),
};

/**
 * What a caller sends to create or replace an entry. A person is named by given and family
 * name (sorted by family name, as Swedish directories are); a department or function by one name.
 */
export const directoryEntryInputSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('person'), givenName: text(60), familyName: text(60), ...editableFields }),
  z.strictObject({ kind: z.enum(['department', 'function']), name: text(100), ...editableFields }),
]);

export type DirectoryEntryInput = z.input<typeof directoryEntryInputSchema>;
export type ValidEntryInput = z.output<typeof directoryEntryInputSchema>;
export type AbsenceInput = z.input<typeof absenceInputSchema>;

export const absenceSchema = z.object({
  reason: z.enum(ABSENCE_REASONS),
  text: z.string().optional(),
  until: z.string().optional(),
});
export type Absence = z.infer<typeof absenceSchema>;

/** An entry as stored and returned: `name` is always there (a person's is "given family"). */
export const directoryEntrySchema = z.object({
  id: z.string(),
  municipalityId: z.string(),
  kind: z.enum(ENTRY_KINDS),
  name: z.string(),
  givenName: z.string().optional(),
  familyName: z.string().optional(),
  title: z.string().optional(),
  department: z.string().optional(),
  keywords: z.array(z.string()),
  location: z.string().optional(),
  phoneNumbers: z.array(z.string().regex(/^\+\d{6,15}$/)),
  extension: z.string().optional(),
  email: z.string().optional(),
  absence: absenceSchema.nullable(),
  /** Bumped by every change; the API's ETag, and the expected version of a conditional update. */
  version: z.number().int().positive(),
  updatedAt: z.string(),
});
export type DirectoryEntry = z.infer<typeof directoryEntrySchema>;

/**
 * The stored form of a validated input. Keys are always in this order, so two entries with
 * the same content serialise identically (sameContent).
 */
export function toEntry(input: ValidEntryInput, id: string, version: number, updatedAt: string): DirectoryEntry {
  const person = input.kind === 'person';
  return {
    id,
    municipalityId: input.municipalityId,
    kind: input.kind,
    name: person ? `${input.givenName} ${input.familyName}` : input.name,
    ...(person ? { givenName: input.givenName, familyName: input.familyName } : {}),
    ...(input.title === undefined ? {} : { title: input.title }),
    ...(input.department === undefined ? {} : { department: input.department }),
    keywords: input.keywords,
    ...(input.location === undefined ? {} : { location: input.location }),
    phoneNumbers: input.phoneNumbers,
    ...(input.extension === undefined ? {} : { extension: input.extension }),
    ...(input.email === undefined ? {} : { email: input.email }),
    absence: input.absence === null ? null : absenceOf(input.absence),
    version,
    updatedAt,
  };
}

function absenceOf(absence: z.output<typeof absenceInputSchema>): Absence {
  return {
    reason: absence.reason,
    ...(absence.text === undefined ? {} : { text: absence.text }),
    ...(absence.until === undefined ? {} : { until: absence.until }),
  };
}

/** The editable fields of a stored entry, as an input that reproduces it (to change one field). */
export function toInput(entry: DirectoryEntry): DirectoryEntryInput {
  const editable = {
    id: entry.id,
    municipalityId: entry.municipalityId,
    title: entry.title,
    department: entry.department,
    keywords: entry.keywords,
    location: entry.location,
    phoneNumbers: entry.phoneNumbers,
    extension: entry.extension,
    email: entry.email,
    absence: entry.absence,
  };
  return entry.kind === 'person'
    ? { kind: 'person', givenName: entry.givenName!, familyName: entry.familyName!, ...editable }
    : { kind: entry.kind, name: entry.name, ...editable };
}

/** True when two entries differ in nothing but version and time, so writing one over the other would change nothing. */
export function sameContent(a: DirectoryEntry, b: DirectoryEntry): boolean {
  return JSON.stringify({ ...a, version: 0, updatedAt: '' }) === JSON.stringify({ ...b, version: 0, updatedAt: '' });
}

/** The hänvisning in force at `now`: none once its `until` has passed. */
export function currentAbsence(entry: DirectoryEntry, now: number): Absence | null {
  const { absence } = entry;
  return absence && (absence.until === undefined || Date.parse(absence.until) > now) ? absence : null;
}
