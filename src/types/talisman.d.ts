// talisman ships CommonJS without type declarations: the three functions the matcher uses.
declare module 'talisman/metrics/jaro-winkler.js' {
  /** Jaro-Winkler similarity in [0, 1]. */
  export default function jaroWinkler(a: string, b: string): number;
}
declare module 'talisman/metrics/damerau-levenshtein.js' {
  const damerauLevenshtein: ((a: string, b: string) => number) & {
    /** The distance when it is at most `max`, else Infinity: stops early. */
    limited(max: number, a: string, b: string): number;
  };
  export default damerauLevenshtein;
}
declare module 'talisman/phonetics/double-metaphone.js' {
  /** Primary and alternate codes, four characters at most. */
  export default function doubleMetaphone(word: string): [string, string];
}
