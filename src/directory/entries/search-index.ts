import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { currentAbsence, type Absence, type DirectoryEntry } from './entry-schema.js';
import { createRanker, FIELDS, type MatchKind } from './ranking.js';
import { indexedDigits, parseQuery, words, type QueryTerm } from './search-terms.js';
import { createSwedishOrder, type SwedishOrder } from './swedish-order.js';
import {
  createDigitVocabulary,
  createWordVocabulary,
  FIELD_BITS,
  type Reached,
  type TermPosting,
  type Vocabulary,
} from './vocabulary.js';

export type { MatchKind } from './ranking.js';

export interface SearchOptions {
  /** Only entries of these municipalities (SCB kommunkod); all when absent or empty. */
  municipalities?: readonly string[];
  /** At most this many hits (1 to 100, default 20). */
  limit?: number;
}

export interface SearchHit {
  entry: DirectoryEntry;
  /**
   * Higher ranks first: 1000 per match kind (exact 3, prefix 2, fuzzy 1), plus 100 times the
   * weight of the best field matched (name 3, keywords 2, title 1.5, department or number 1),
   * minus the typos. Equal scores are in Swedish alphabetical order (persons by family name).
   */
  score: number;
  match: MatchKind;
  /** The hänvisning in force now, if any (one whose `until` has passed is not). */
  absence: Absence | null;
}

export interface EntryChange {
  id: string;
  /** The entry as it is after the change; undefined when it was deleted. */
  entry: DirectoryEntry | undefined;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
/** Entries indexed between yields to the event loop while building, so an instance serving calls stays responsive. */
const BUILD_SLICE = 2_000;
/** Dead documents worth a rebuild: this many, and at least a quarter of the live ones. */
const WASTEFUL_DEAD = 5_000;

/**
 * Builds the operators' search over the whole region's directory, in memory. Words are found in
 * MiniSearch's radix tree (by prefix, and misspelt within one or two edits), numbers and
 * extensions by prefix (vocabulary.ts); ranking.ts picks and orders the hits.
 *
 * Entries become numbered documents so that postings are small integers; they are numbered in
 * Swedish order, so that the entries a name reaches (all the Anderssons) lie together in memory.
 */
export async function buildSearchIndex(entries: Iterable<DirectoryEntry>): Promise<SearchIndex> {
  const order = createSwedishOrder();
  const all = [...entries];
  const keys = order.keys(all.map(sortKey));
  const places = order.places();
  const inSwedishOrder = all.map((_, i) => i).sort((a, b) => places[keys[a]!]! - places[keys[b]!]!);
  const docs: DirectoryEntry[] = [];
  const nameKeys: number[] = [];
  const wordPostings = new Map<string, number[]>();
  const digitPostings = new Map<string, number[]>();
  const wordsOf = memoized(words);
  for (const [doc, i] of inSwedishOrder.entries()) {
    if (doc > 0 && doc % BUILD_SLICE === 0) await yieldToEventLoop();
    docs.push(all[i]!);
    nameKeys.push(keys[i]!);
    for (const [term, posting, vocabulary] of postingsOf(doc, all[i]!, wordsOf))
      appendTo(vocabulary === 'words' ? wordPostings : digitPostings, term, posting);
  }
  return createIndex(order, docs, nameKeys, createWordVocabulary(wordPostings), createDigitVocabulary(digitPostings));
}

export type SearchIndex = ReturnType<typeof createIndex>;

function createIndex(
  order: SwedishOrder,
  docs: (DirectoryEntry | undefined)[],
  nameKeys: number[],
  wordTerms: Vocabulary,
  digitTerms: Vocabulary,
) {
  const byId = new Map(docs.map((entry, doc) => [entry!.id, doc]));
  /** Each document's municipality as a small number, in one compact array: a search limited to some municipalities checks each document it reaches. */
  let municipalityOf = new Uint16Array(Math.max(1024, docs.length));
  const municipalityNumbers = new Map<string, number>();
  docs.forEach((entry, doc) => setMunicipality(doc, entry!.municipalityId));
  const ranker = createRanker();
  /** Whether the ranker has every document's current place; new names move the places of all after them. */
  let placesCurrent = false;
  let dead = 0;

  function setMunicipality(doc: number, municipalityId: string): void {
    let number = municipalityNumbers.get(municipalityId);
    if (number === undefined) municipalityNumbers.set(municipalityId, (number = municipalityNumbers.size));
    if (doc >= municipalityOf.length) {
      const grown = new Uint16Array(municipalityOf.length * 2);
      grown.set(municipalityOf);
      municipalityOf = grown;
    }
    municipalityOf[doc] = number;
  }

  function admitOnly(municipalityIds: readonly string[]): (doc: number) => boolean {
    const admitted = new Uint8Array(municipalityNumbers.size);
    for (const id of municipalityIds) {
      const number = municipalityNumbers.get(id);
      if (number !== undefined) admitted[number] = 1;
    }
    return (doc) => admitted[municipalityOf[doc]!] === 1;
  }

  function reach({ text, kind }: QueryTerm, into: Reached): void {
    const prefix = text.length >= 2;
    // Digits never match with typos: a number one digit off is somebody else's. Words allow one
    // typo from four letters and two from eight ("färdjänst", "anderson"); shorter ones none,
    // or "and" would reach half the region.
    if (kind === 'digits') digitTerms.expand(text, { prefix, typos: 0 }, into);
    else wordTerms.expand(text, { prefix, typos: text.length >= 8 ? 2 : text.length >= 4 ? 1 : 0 }, into);
  }

  function prepareRanker(): void {
    ranker.ensure(docs.length);
    if (placesCurrent) return;
    const places = order.places();
    nameKeys.forEach((key, doc) => ranker.setPlace(doc, places[key]!));
    placesCurrent = true;
  }

  const idOf = (doc: number) => docs[doc]!.id;

  return {
    get size(): number {
      return byId.size;
    },

    /** Whether replaced and deleted entries take enough room that building anew from entries() pays. */
    get wasteful(): boolean {
      return dead >= Math.max(WASTEFUL_DEAD, byId.size / 4);
    },

    *entries(): IterableIterator<DirectoryEntry> {
      for (const doc of byId.values()) yield docs[doc]!;
    },

    /**
     * Applies changes in the order they were made. A changed entry becomes a new document and
     * its old one is marked dead: cheap, so that even an import of thousands applies quickly.
     */
    apply(changes: readonly EntryChange[]): void {
      const known = order.size;
      const keys = order.keys(changes.flatMap(({ entry }) => (entry ? [sortKey(entry)] : [])));
      const added: number[] = [];
      const postings: Record<'words' | 'digits', TermPosting[]> = { words: [], digits: [] };
      ranker.ensure(docs.length + keys.length);
      for (const { id, entry } of changes) {
        const old = byId.get(id);
        if (old !== undefined) {
          ranker.markDead(old);
          docs[old] = undefined;
          byId.delete(id);
          dead++;
        }
        if (!entry) continue;
        const doc = docs.length;
        docs.push(entry);
        nameKeys.push(keys[added.length]!);
        setMunicipality(doc, entry.municipalityId);
        byId.set(id, doc);
        added.push(doc);
        for (const [term, posting, vocabulary] of postingsOf(doc, entry, words))
          postings[vocabulary].push([term, posting]);
      }
      wordTerms.add(postings.words);
      digitTerms.add(postings.digits);
      if (order.size !== known) {
        placesCurrent = false;
      } else if (placesCurrent) {
        const places = order.places();
        for (const doc of added) ranker.setPlace(doc, places[nameKeys[doc]!]!);
      }
    },

    /** Never throws on what an operator types; a query with nothing searchable in it finds nothing. */
    search(query: string, options: SearchOptions = {}): SearchHit[] {
      const terms = parseQuery(query);
      if (terms.length === 0) return [];
      const limit = Math.min(Math.max(Math.trunc(Number(options.limit)) || DEFAULT_LIMIT, 1), MAX_LIMIT);
      prepareRanker();
      const matched = ranker.match(
        terms,
        reach,
        options.municipalities?.length ? admitOnly(options.municipalities) : undefined,
      );
      const now = Date.now();
      return ranker.best(matched, limit, idOf).map(({ doc, score, match }) => {
        const entry = docs[doc]!;
        return { entry, score, match, absence: currentAbsence(entry, now) };
      });
    },
  };
}

/** Directories list people by family name ("Andersson Anna"), departments and functions by their name. */
function sortKey(entry: DirectoryEntry): string {
  return entry.kind === 'person' ? `${entry.familyName} ${entry.givenName}` : entry.name;
}

/** The document's postings: each searchable term with the fields it occurs in, and the vocabulary it belongs to. */
function postingsOf(
  doc: number,
  entry: DirectoryEntry,
  wordsOf: (text: string) => string[],
): [string, number, 'words' | 'digits'][] {
  const fieldsOf = new Map<string, number>();
  const text = (value: string | undefined, field: number) => {
    for (const word of wordsOf(value ?? '')) fieldsOf.set(word, (fieldsOf.get(word) ?? 0) | field);
  };
  text(entry.name, FIELDS.name);
  for (const keyword of entry.keywords) text(keyword, FIELDS.keywords);
  text(entry.title, FIELDS.title);
  text(entry.department, FIELDS.department);
  const found: [string, number, 'words' | 'digits'][] = [...fieldsOf].map(([term, fields]) => [
    term,
    (doc << FIELD_BITS) | fields,
    'words',
  ]);
  const digits = new Set([...entry.phoneNumbers.map(indexedDigits), ...(entry.extension ? [entry.extension] : [])]);
  for (const term of digits) found.push([term, (doc << FIELD_BITS) | FIELDS.number, 'digits']);
  return found;
}

/** For building an index of many entries: titles, departments and keywords repeat thousands of times. */
function memoized(wordsOf: (text: string) => string[]): (text: string) => string[] {
  const known = new Map<string, string[]>();
  return (text) => {
    let found = known.get(text);
    if (found === undefined) known.set(text, (found = wordsOf(text)));
    return found;
  };
}

function appendTo(lists: Map<string, number[]>, term: string, posting: number): void {
  const list = lists.get(term);
  if (list) list.push(posting);
  else lists.set(term, [posting]);
}
