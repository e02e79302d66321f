/**
 * CSV injection (OWASP "CSV Injection"): a spreadsheet opening an exported file runs a cell
 * that starts with = + - @ (or tab or CR, which some read past) as a formula, so a directory
 * entry named =HYPERLINK(...) would become a link, or worse, on an IT administrator's screen.
 * Every CSV the switchboard writes passes its cells through `asText`, which puts a single
 * quote in front of such a cell: the spreadsheet shows the text as it is (+46… stays a phone
 * number, not a sum). Every CSV it reads passes its cells through `fromText`, which takes that
 * quote away again, so an export imports back unchanged.
 *
 * The quote is added to a cell made of quotes and then one of those characters too ('=x is
 * exported as ''=x), so that removing one quote on import always gives back what was exported,
 * even a value that itself starts with a quote. A file written by hand with '=x imports as =x,
 * which is also what a spreadsheet shows for it.
 */
const NEEDS_QUOTE = /^'*[=+\-@\t\r]/;
const QUOTED = /^'+[=+\-@\t\r]/;

/** The cell as a spreadsheet will show it as text. */
export function asText(cell: string): string {
  return NEEDS_QUOTE.test(cell) ? `'${cell}` : cell;
}

/** The value of a cell written by asText (or by hand the same way). */
export function fromText(cell: string): string {
  return QUOTED.test(cell) ? cell.slice(1) : cell;
}
