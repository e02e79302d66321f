import { FIELD_BITS, type Reached } from './vocabulary.js';

/**
 * Which entries match every term of a query, and the best of them in the order operators
 * expect of a printed directory rather than by a relevance score in which a rarer name wins:
 * exact matches before prefixes before typos, names before keywords before titles and
 * departments, fewer typos first, and otherwise Swedish alphabetical order.
 *
 * This is the hot path: a prefix like "and" or "0935-14" reaches thousands of entries, and
 * the answer is due within a couple of milliseconds. So the working state of every document
 * lives in one Int32Array, four numbers side by side, so that a document costs one cache line
 * however scattered the documents a query reaches; and nothing is cleared between queries.
 */

/** Field bits of a posting, and each field's weight in the ranking. */
export const FIELDS = { name: 1, keywords: 2, title: 4, department: 8, number: 16 } as const;
const FIELD_WEIGHTS: Record<keyof typeof FIELDS, number> = {
  name: 3,
  keywords: 2,
  title: 1.5,
  department: 1,
  number: 1,
};
const FIELD_MASK = (1 << FIELD_BITS) - 1;
/** 100 × the weight of the best field among a posting's field bits, by bits. */
const FIELD_SCORE = Array.from({ length: FIELD_MASK + 1 }, (_, bits) =>
  Math.max(
    0,
    ...Object.entries(FIELDS).map(([field, bit]) =>
      bits & bit ? 100 * FIELD_WEIGHTS[field as keyof typeof FIELDS] : 0,
    ),
  ),
);

/** How the query met the entry: every term exactly, every term at least as a prefix, or some term only with a typo. */
export type MatchKind = 'exact' | 'prefix' | 'fuzzy';
const MATCH_OF_TIER: MatchKind[] = ['fuzzy', 'fuzzy', 'prefix', 'exact'];

export interface Ranked {
  doc: number;
  /** 1000 per match tier (exact 3, prefix 2, fuzzy 1), + 100 × the best field's weight, − typos. */
  score: number;
  match: MatchKind;
  place: number;
}

const STRIDE = 4;
/** The generation (one per query term) in which the document last matched a term; DEAD for a document replaced or deleted. */
const MARK = 0;
const DEAD = -1;
/** How it matched the current term: quality in bits 0-3 (exact 12, prefix 8, one typo 3, two 2), fields from bit 4. */
const TERM = 1;
/** Over the terms so far: the weakest term's tier in bits 0-1, fields matched in bits 2-6, typos summed from bit 7. */
const TOTAL = 2;
/** Its place in Swedish alphabetical order. */
const PLACE = 3;

export function createRanker() {
  let state = new Int32Array(0);
  /** One term's matches are read from one list while the next term's are written to the other. */
  let lists = [new Int32Array(0), new Int32Array(0)];
  let generation = 0;
  const reached: Reached = { postings: [], starts: [], ends: [], tiers: [], typos: [] };

  /** The first of `count` fresh generations; marks are cleared only when the numbers run out. */
  function generations(count: number): number {
    if (generation + count >= 2 ** 31 - 1) {
      for (let at = MARK; at < state.length; at += STRIDE) if (state[at] !== DEAD) state[at] = 0;
      generation = 0;
    }
    const first = generation + 1;
    generation += count;
    return first;
  }

  function before(doc: number, score: number, place: number, other: Ranked, idOf: (doc: number) => string): boolean {
    if (score !== other.score) return score > other.score;
    if (place !== other.place) return place < other.place;
    return idOf(doc) < idOf(other.doc);
  }

  return {
    /** Room for documents 0 to count - 1, keeping their places. */
    ensure(count: number): void {
      if (state.length >= count * STRIDE) return;
      const capacity = Math.max(count, (state.length / STRIDE) * 2, 1024);
      const grown = new Int32Array(capacity * STRIDE);
      grown.set(state);
      state = grown;
      lists = [new Int32Array(capacity), new Int32Array(capacity)];
    },

    setPlace(doc: number, place: number): void {
      state[doc * STRIDE + PLACE] = place;
    },

    /** The document is never matched again (its entry changed: the new version is another document). */
    markDead(doc: number): void {
      state[doc * STRIDE + MARK] = DEAD;
    },

    /**
     * The documents matching every term. `reach` appends the postings each term reaches;
     * `admit` (when given) filters documents as the first term reaches them.
     */
    match<T>(
      terms: readonly T[],
      reach: (term: T, into: Reached) => void,
      admit?: (doc: number) => boolean,
    ): Int32Array {
      const first = generations(terms.length);
      let matched = lists[0]!.subarray(0, 0);
      for (let index = 0; index < terms.length; index++) {
        const current = first + index;
        const survivors = current - 1;
        const touched = lists[index % 2]!;
        let count = 0;
        reached.postings.length =
          reached.starts.length =
          reached.ends.length =
          reached.tiers.length =
          reached.typos.length =
            0;
        reach(terms[index]!, reached);
        for (let r = 0; r < reached.postings.length; r++) {
          const postings = reached.postings[r]!;
          const quality = reached.tiers[r]! * 4 - reached.typos[r]!;
          for (let p = reached.starts[r]!, end = reached.ends[r]!; p < end; p++) {
            const posting = postings[p]!;
            const doc = posting >>> FIELD_BITS;
            const at = doc * STRIDE;
            const fields = (posting & FIELD_MASK) << 4;
            const mark = state[at + MARK]!;
            if (mark === current) {
              const term = state[at + TERM]!;
              state[at + TERM] = Math.max(term & 15, quality) | (term & ~15) | fields;
              continue;
            }
            // A document stays in the running only if it matched every earlier term (and dead ones never did).
            if (index === 0 ? mark === DEAD || (admit !== undefined && !admit(doc)) : mark !== survivors) continue;
            state[at + MARK] = current;
            state[at + TERM] = quality | fields;
            touched[count++] = doc;
          }
        }
        matched = touched.subarray(0, count);
        for (const doc of matched) {
          const at = doc * STRIDE;
          const term = state[at + TERM]!;
          let tier = ((term & 15) + 3) >> 2;
          let typos = tier * 4 - (term & 15);
          let fields = term >> 4;
          if (index > 0) {
            const total = state[at + TOTAL]!;
            tier = Math.min(total & 3, tier);
            fields |= (total >> 2) & FIELD_MASK;
            typos += total >> 7;
          }
          state[at + TOTAL] = tier | (fields << 2) | (typos << 7);
        }
      }
      return matched;
    },

    /**
     * The `limit` best of `matched` (from match, before any other query), without sorting them
     * all: "and" matches thousands and a screenful is shown, so most lose to the current worst
     * at once, before anything is allocated for them. Same score and place (namesakes) go by id.
     */
    best(matched: Int32Array, limit: number, idOf: (doc: number) => string): Ranked[] {
      const top: Ranked[] = [];
      for (const doc of matched) {
        const total = state[doc * STRIDE + TOTAL]!;
        const score = 1000 * (total & 3) + FIELD_SCORE[(total >> 2) & FIELD_MASK]! - (total >> 7);
        const place = state[doc * STRIDE + PLACE]!;
        if (top.length === limit && !before(doc, score, place, top[limit - 1]!, idOf)) continue;
        let at = top.length;
        while (at > 0 && before(doc, score, place, top[at - 1]!, idOf)) at--;
        top.splice(at, 0, { doc, score, place, match: MATCH_OF_TIER[total & 3]! });
        if (top.length > limit) top.pop();
      }
      return top;
    },
  };
}
