const collator = new Intl.Collator('sv');

/** Beyond this many new names at once, sorting all names again beats inserting each. */
const INSERT_ONE_BY_ONE_UP_TO = 256;

/**
 * Swedish alphabetical order (å, ä, ö after z) of names, as numbers. Hits that rank equally
 * are listed in this order, and there can be thousands of them ("and" reaches every
 * Andersson): reading a precomputed place from an array is cheap where collating each pair,
 * or even looking each name up in a map, is not.
 *
 * A name is added once and gets a small number (its key); `places()[key]` is its position in
 * the order. Names are never removed: one nobody has any more costs a few bytes until the index
 * is next built from scratch, with a new order.
 */
export function createSwedishOrder() {
  const keyOf = new Map<string, number>();
  const names: string[] = [];
  /** Keys in Swedish order of their names. */
  let sorted: number[] = [];
  let places = new Int32Array(0);
  let renumber = false;

  const byName = (a: number, b: number) => collator.compare(names[a]!, names[b]!);

  function insertionPoint(key: number): number {
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (byName(sorted[middle]!, key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  return {
    /** How many names it knows; when this grows, places after the new names have moved. */
    get size(): number {
      return names.length;
    },

    /** The keys of `batch`'s names, adding those not known yet. */
    keys(batch: readonly string[]): number[] {
      const fresh: number[] = [];
      const keys = batch.map((name) => {
        let key = keyOf.get(name);
        if (key === undefined) {
          key = names.push(name) - 1;
          keyOf.set(name, key);
          fresh.push(key);
        }
        return key;
      });
      if (fresh.length > INSERT_ONE_BY_ONE_UP_TO) {
        sorted = [...sorted, ...fresh].sort(byName);
      } else {
        for (const key of fresh) sorted.splice(insertionPoint(key), 0, key);
      }
      if (fresh.length > 0) renumber = true;
      return keys;
    },

    /** Where each name stands, by key: lower is earlier. Valid until names are added. */
    places(): Int32Array {
      if (renumber) {
        if (places.length < names.length) places = new Int32Array(Math.max(names.length, places.length * 2));
        sorted.forEach((key, index) => {
          places[key] = index;
        });
        renumber = false;
      }
      return places;
    },
  };
}

export type SwedishOrder = ReturnType<typeof createSwedishOrder>;
