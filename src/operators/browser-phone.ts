/**
 * The console's own phone as an operator phone (operator-phone.ts): what an operator logs in
 * with (`browser`), and what login stores in the session (`browser:<endpoint>`). Apart, without
 * Node imports, because the console (src/web/) uses it too.
 */
export const BROWSER_PHONE = 'browser';

/** The session's phone once login has found the browser phone issued to the token. */
export const browserPhoneOf = (endpoint: string): string => `${BROWSER_PHONE}:${endpoint}`;

/** Whether a session's phone is a browser phone (the console then runs its softphone). */
export const isBrowserPhoneOf = (phone: string): boolean => phone.startsWith(`${BROWSER_PHONE}:`);
