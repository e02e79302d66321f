import { z } from '../validation/schema.js';
import { phoneNumber } from '../config/region-schema.js';
import type { Patch } from './versioned-store.js';

/** The fields administered objects share, as the API reads them (the stored form is the output). */

/** Written any Swedish way (0935-141 23, +46 935 14123, 004693514123); stored as E.164. */
export const PhoneNumberSchema = z.string().max(40, 'is too long for a phone number').pipe(phoneNumber).openapi({
  type: 'string',
  example: '0935-141 23',
  description: 'Any Swedish notation; answered as E.164 (+4693514123)',
});

export const ExtensionNumberSchema = z
  .string()
  .regex(/^\d{2,8}$/, 'must be 2 to 8 digits')
  .openapi({ example: '2460123', description: "An extension in one of its municipality's extension ranges" });

export { MunicipalityIdSchema } from '../validation/schema.js';

/**
 * The body of a PATCH from an object's fields: each optional; an optional field (or one with a
 * default) may be null, which removes it (back to the default); a `fixed` field is refused with
 * the reason given.
 */
export function changeSchema<Input>(shape: Record<string, z.ZodType>, fixed: Record<string, string>) {
  const fields: Record<string, z.ZodType> = {};
  for (const [name, schema] of Object.entries(shape)) {
    fields[name] = Object.hasOwn(fixed, name)
      ? z
          .unknown()
          .refine(() => false, { error: fixed[name] })
          .optional()
          .openapi({ readOnly: true, description: fixed[name] })
      : schema instanceof z.ZodDefault
        ? // Unwrapped: a field left out of a PATCH must keep its stored value, not take the default (null resets it).
          (schema.unwrap() as z.ZodType).optional().nullable()
        : schema.isOptional()
          ? schema.nullable()
          : schema.optional();
  }
  // The loop loses the field types; the fields are those of Input, each optional or null.
  return z.object(fields).strict() as unknown as z.ZodType<Patch<Input>>;
}

/** A resource's request bodies from its fields, New<Name> and <Name>Change in the OpenAPI document; municipalityId cannot change (`why`). */
export function bodySchemas<S extends Record<string, z.ZodType>, Input = z.input<z.ZodObject<S>>>(
  name: string,
  fields: S,
  why: string,
) {
  return {
    create: z.object(fields).strict().openapi(`New${name}`),
    change: changeSchema<Input>(fields, { municipalityId: `cannot be changed: ${why}` }).openapi(`${name}Change`),
  };
}
