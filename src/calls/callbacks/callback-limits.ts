/**
 * Dials the citizen does not answer before a call-back gives up (outcome callback-no-answer):
 * each unanswered one puts it back in its place, so the next operator to take it tries again.
 * A module of its own, importing nothing, so that the web console (web/operator/queue-board.tsx)
 * shows the same limit the store applies (callback-store.ts, store/lua/callback-unanswered-2.lua).
 */
export const CALLBACK_MAX_UNANSWERED_DIALS = 3;
