// Reading CSV extracts for bulk linkage (`npm run link`) and writing its links.csv. Re-exported
// by the module's index.ts, through which everything outside the module reaches it.
export { compileBirthDateFormat, parseBirthDate, EXAMPLE_BIRTH_DATE_FORMATS, type BirthDateFormat } from './birth-dates.js';
export { ExtractInputError } from './extract-input-error.js';
export { MAPPED_FIELDS, parseExtractMap, type ExtractMap } from './extract-map.js';
export { defaultSourceOf, readExtract, type ExtractRecords, type ReadExtractOptions } from './extract-reader.js';
export { combineExtracts, type ExtractSet } from './extract-set.js';
export { LINKS_COLUMNS, partialLinksPath, writeLinksCsv } from './links-csv.js';
export { pairMetrics, type PairMetrics } from '../domain/pair-metrics.js';
