import { ApiError } from '../api.js';

/**
 * The API's refusals in Swedish. The API speaks English (its messages are for integrators too),
 * and a 400 or 409 names each field with what is wrong with it, written by a handful of schemas
 * (admin/, directory/entries/, config/region-schema.ts, import/). These patterns turn the
 * problems IT staff can meet from these pages into Swedish; one not known yet is shown as the
 * API wrote it, after a Swedish lead, rather than hidden.
 */
const PHRASES: [RegExp, (...m: string[]) => string][] = [
  [/^must not be empty$|^is empty$|^is required$/, () => 'måste fyllas i'],
  [/^must be at most (\d+) characters$/, (n) => `får vara högst ${n} tecken`],
  [/^must be at least (\d+) characters$/, (n) => `måste vara minst ${n} tecken`],
  [/^must be at most (\d+)$/, (n) => `får vara högst ${n} stycken`],
  [/^must be 2 to 8 digits$/, () => 'ska vara 2–8 siffror'],
  [/^must be an e-mail address$/, () => 'är ingen e-postadress'],
  [/^"(.*)" is not a valid phone number$/, (n) => `”${n}” är inget giltigt telefonnummer`],
  [/^"(.*)" is not a phone number/, (n) => `”${n}” är inget telefonnummer`],
  [/^is too long for a phone number$/, () => 'är för långt för ett telefonnummer'],
  [
    /^(\S+) is not in (.+)'s extension ranges \((.*)\)$/,
    (x, m, r) => `${x} ligger inte i ${genitive(m)} anknytningsserier (${r})`,
  ],
  [
    /^(.+) is not in (.+)'s direct-dial ranges \((.*)\)$/,
    (x, m, r) => `${x} ligger inte i ${genitive(m)} direktnummerserier (${r})`,
  ],
  [
    /^(.+) is already (?:used by|held by) (.+?)(?: of ([^()]+))?$/,
    (what, who, m) =>
      `${thing(what)} används redan av ${thing(who).replace(/, entry [\w-]+\)$/, ')')}${m ? ` i ${m}` : ''}`,
  ],
  [
    /^(.+) is in (.+)'s extension ranges \(config\/region\.yaml\)$/,
    (what, m) => `${thing(what)} ligger i ${genitive(m)} anknytningsserier`,
  ],
  [
    /^(.+) is in (.+)'s direct-dial ranges \(config\/region\.yaml\)$/,
    (what, m) => `${thing(what)} ligger i ${genitive(m)} direktnummerserier`,
  ],
  [/^(\d+) is not a member municipality/, (m) => `${m} är ingen av regionens kommuner`],
  [
    /^cannot be deleted while (.+) links? to it/,
    (who) => `kan inte tas bort så länge ${thing(who)} är kopplad till den: ändra eller ta bort kopplingen först`,
  ],
  [/^is reserved/, () => 'är upptaget av växeln: välj ett annat id'],
  [
    /^(.+) is already the main number of (.+) \(config\/region\.yaml\)$/,
    (what, m) => `${thing(what)} är ${genitive(m)} huvudnummer`,
  ],
  [/^(.+) is already the regional number/, (what) => `${thing(what)} är regionens gemensamma nummer`],
  [
    /^(.+) cannot be deleted while (.+) points at it/,
    (what, who) => `${thing(what)} kan inte tas bort så länge ${thing(who)} pekar på den`,
  ],
  [
    /^(.+) cannot change while (.+) points at it$/,
    (what, who) => `${thing(what)} kan inte ändras så länge ${thing(who)} pekar på den`,
  ],
  [
    /^is needed when the extension number changes/,
    () => 'behövs när anknytningens nummer ändras (SIP-inloggningen bygger på numret)',
  ],
  [/^must look like "08:00-16:30"$/, () => 'ska skrivas som 08:00-16:30 (flera med kommatecken emellan)'],
  [/^has a time that is not a clock time/, () => 'har en tid som inte är ett klockslag (00:00–23:59)'],
  [/^must be a clock time/, () => 'ska vara ett klockslag, till exempel 15:00'],
  [/^must open before it closes$/, () => 'måste öppna innan det stänger'],
  [/^overlaps (.+)$/, (other) => `överlappar ${other}`],
  [/^must be an ISO|^Invalid ISO datetime/, () => 'måste vara ett datum med klockslag'],
  [/^must be after start/, () => 'måste vara efter början'],
  [/^must not be given when kind is closed$/, () => 'ska inte anges när det är stängt'],
  [/^is required when kind is/, () => 'måste anges när det är öppet eller begränsade tider'],
  [/^is not a known field$/, () => 'är inget känt fält'],
  [/^is not a known column \(known: (.*)\)$/, (known) => `är ingen känd kolumn (kända: ${known})`],
  [/^is given twice$/, () => 'finns två gånger'],
  [/^is empty: it needs a header row/, () => 'är tom: första raden ska namnge kolumnerna'],
  [/^(.+) is also in line (\d+)$/, (what, line) => `${thing(what)} finns också på rad ${line}`],
  [/^(\d+) more problems not listed$/, (n) => `ytterligare ${n} problem visas inte`],
  // The personal page's PIN change (self-service/extension-pins.ts, http/routes/self.ts).
  [/^must be 4 to 12 digits$/, () => 'ska vara 4–12 siffror'],
  [/^must not be one digit repeated$/, () => 'får inte vara en och samma siffra'],
  [/^must not be a run of digits/, () => 'får inte vara en sifferföljd som 1234 eller 4321'],
  [/^must differ from the current PIN$/, () => 'måste skilja sig från den nuvarande'],
  [/^is not the extension’s PIN$/, () => 'stämmer inte med din nuvarande PIN-kod'],
  [/^does not match the new PIN$/, () => 'stämmer inte med den nya PIN-koden'],
  [/^Too many wrong PINs/, () => 'För många felaktiga försök med din anknytning. Vänta en kvart och försök igen.'],
];

/** Vännäs → Vännäs (huvudnummer), Umeå → Umeås. */
const genitive = (name: string) => (/[sxz]$/i.test(name) ? name : `${name}s`);

/** "extension 2460100", "number 0935-141 23", "the directory entry Anna Berg (9f3a)" as Swedes say them. */
const thing = (what: string) =>
  what
    .replace(/^extension /, 'anknytning ')
    .replace(/^number /, 'numret ')
    .replace(/^the directory entry (.+) \([\w-]+\)$/, 'katalogposten $1');

/** One problem the API named, in Swedish. */
export function swedishProblem(problem: string): string {
  for (const [pattern, say] of PHRASES) {
    const match = pattern.exec(problem);
    if (match) return say(...match.slice(1));
  }
  return `Växeln svarade: ${problem}`;
}

/** What a refusal without a field means, by status. */
const BY_STATUS: Record<number, string> = {
  401: 'Nyckeln gäller inte längre. Logga in igen.',
  403: 'Nyckeln får inte ändra det här (bara den egna kommunens uppgifter).',
  404: 'Det finns inte längre: någon har tagit bort det.',
  412: 'Någon annan har ändrat det sedan det lästes, så inget har ändrats. Sidan visar nu det som gäller; försök igen om du fortfarande vill.',
  413: 'Filen är för stor (högst 20 MiB). Dela upp den.',
  428: 'Ändringen saknar versionen den bygger på.',
};

export interface FieldProblem {
  field: string;
  problem: string;
}

/** The fields a 400 or 409 names (the API's error shape: details is a list of field and problem). */
export function fieldProblemsOf(error: unknown): FieldProblem[] {
  if (!(error instanceof ApiError) || (error.status !== 400 && error.status !== 409) || !Array.isArray(error.details))
    return [];
  return error.details.filter(
    (d): d is FieldProblem =>
      typeof d === 'object' &&
      d !== null &&
      typeof (d as FieldProblem).field === 'string' &&
      typeof (d as FieldProblem).problem === 'string',
  );
}

/** "body.phoneNumbers[1]" → "phoneNumbers[1]": where in a form the problem lies. */
export const fieldPath = (field: string) => field.replace(/^body\./, '');

/** A refusal as one Swedish sentence, for a notice: each named field with its problem, else what the status means. */
export function swedishError(error: unknown, problems: FieldProblem[] = fieldProblemsOf(error)): string {
  if (!(error instanceof ApiError)) return 'Växeln svarar inte. Kontrollera nätverket.';
  if (problems.length > 0) return problems.map((p) => `${fieldPath(p.field)}: ${swedishProblem(p.problem)}`).join('; ');
  if (BY_STATUS[error.status]) return BY_STATUS[error.status]!;
  if (error.status === 409) return swedishProblem(error.message);
  return error.status >= 500
    ? 'Växeln kunde inte göra det just nu. Försök igen om en stund.'
    : swedishProblem(error.message);
}

/** The same request, refused in Swedish: for useAction, whose notice shows the error's message. */
export function inSwedish<T>(request: Promise<T>): Promise<T> {
  return request.catch((error: unknown) => {
    throw error instanceof ApiError
      ? new ApiError(error.status, error.code, swedishError(error), error.details)
      : error;
  });
}
