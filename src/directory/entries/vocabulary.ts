import SearchableMap from 'minisearch/SearchableMap';

/**
 * The terms of the search index, each with its postings: numbers that pack a document number
 * with the fields the term occurs in (document << FIELD_BITS | field bits), in plain arrays so
 * that scanning thousands of them per query is cheap.
 *
 * Postings are only ever added. A changed or deleted entry's document is marked dead instead
 * (ranking.ts skips it), because finding its postings again in lists of tens of thousands
 * ("och", "andersson") would make a bulk import crawl; the index is rebuilt once dead
 * documents are many.
 */
export const FIELD_BITS = 5;

/**
 * What a query term reached: runs of postings (`postings[i]` from `starts[i]` up to `ends[i]`),
 * and how: tier 3 exact, 2 as a prefix, 1 with `typos` edits. Parallel lists, reused from
 * query to query, so that reaching thousands of terms allocates nothing and the caller scans
 * them in one plain loop.
 */
export interface Reached {
  postings: (readonly number[])[];
  starts: number[];
  ends: number[];
  tiers: number[];
  typos: number[];
}

export interface ExpandOptions {
  prefix: boolean;
  /** Largest edit distance allowed; 0 for none. */
  typos: number;
}

/** A term and one of its postings. */
export type TermPosting = [term: string, posting: number];

export interface Vocabulary {
  add(postings: readonly TermPosting[]): void;
  /** Appends every term matching `term` to `into`. */
  expand(term: string, options: ExpandOptions, into: Reached): void;
}

/**
 * Words, in MiniSearch's radix tree: it finds every word starting with a prefix, and every
 * word within a few edits of a misspelling, without comparing the query with each word.
 */
export function createWordVocabulary(initial: Map<string, number[]>): Vocabulary {
  const terms = SearchableMap.from<number[]>(initial) as SearchableMap<number[]>;
  return {
    add(postings) {
      for (const [term, posting] of postings) terms.fetch(term, () => []).push(posting);
    },
    expand(term, { prefix, typos }, into) {
      const exact = terms.get(term);
      if (exact) reach(into, exact, 0, exact.length, 3, 0);
      if (prefix) {
        for (const [word, postings] of terms.atPrefix(term))
          if (word !== term) reach(into, postings, 0, postings.length, 2, 0);
      }
      if (typos > 0) {
        for (const [word, [postings, distance]] of terms.fuzzyGet(term, typos)) {
          // A word that is the term or continues it was reached above, as the better match.
          if (word !== term && !(prefix && word.startsWith(term)))
            reach(into, postings, 0, postings.length, 1, distance);
        }
      }
    },
  };
}

/** Beyond this many postings added at once, merging all rows anew beats inserting each. */
const INSERT_ONE_BY_ONE_UP_TO = 32;

/**
 * Numbers and extensions, as one sorted list of (term, posting) rows: the postings of a prefix
 * ("0935-14", thousands of numbers) are one run of one array, found by binary search and read
 * straight through. Numbers are never matched with typos.
 */
export function createDigitVocabulary(initial: Map<string, number[]>): Vocabulary {
  let terms: string[] = [];
  let postings: number[] = [];
  for (const term of [...initial.keys()].sort()) {
    for (const posting of initial.get(term)!) {
      terms.push(term);
      postings.push(posting);
    }
  }

  function lowerBound(term: string): number {
    let low = 0;
    let high = terms.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (terms[middle]! < term) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  return {
    add(added) {
      if (added.length <= INSERT_ONE_BY_ONE_UP_TO) {
        for (const [term, posting] of added) {
          const at = lowerBound(term);
          terms.splice(at, 0, term);
          postings.splice(at, 0, posting);
        }
        return;
      }
      const incoming = [...added].sort(byTerm);
      const mergedTerms: string[] = [];
      const mergedPostings: number[] = [];
      let i = 0;
      for (const [term, posting] of incoming) {
        while (i < terms.length && terms[i]! <= term) {
          mergedTerms.push(terms[i]!);
          mergedPostings.push(postings[i++]!);
        }
        mergedTerms.push(term);
        mergedPostings.push(posting);
      }
      terms = mergedTerms.concat(terms.slice(i));
      postings = mergedPostings.concat(postings.slice(i));
    },
    expand(term, { prefix }, into) {
      const start = lowerBound(term);
      // Digit strings continuing `term` sort before the same string with its last digit raised.
      const end = lowerBound(term.slice(0, -1) + String.fromCharCode(term.charCodeAt(term.length - 1) + 1));
      let exactEnd = start;
      while (exactEnd < end && terms[exactEnd] === term) exactEnd++;
      if (exactEnd > start) reach(into, postings, start, exactEnd, 3, 0);
      if (prefix && end > exactEnd) reach(into, postings, exactEnd, end, 2, 0);
    },
  };
}

function byTerm(a: TermPosting, b: TermPosting): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function reach(
  into: Reached,
  postings: readonly number[],
  start: number,
  end: number,
  tier: number,
  typos: number,
): void {
  into.postings.push(postings);
  into.starts.push(start);
  into.ends.push(end);
  into.tiers.push(tier);
  into.typos.push(typos);
}
