// The person-held record's pure rules: what a resident may record (readings, medicines, notes,
// symptoms) and how it becomes FHIR R4, chart series, and advice for their conditions.
// No Nest, no storage: the module's services wire these to the database and GraphQL.

export { PhrInputError, type PhrInputProblem } from './phr-input-error.js';
export { CLOCK_SKEW_MS, EARLIEST_DATE, type CheckedTime, type TimeRules } from './fhir-time.js';
export { MAX_TEXT_LENGTH, cleanText, cleanOptionalText } from './free-text.js';
export { DMD_SYSTEM, SNOMED_CT_SYSTEM, isValidConceptId } from './snomed-ct.js';
export {
  LOINC_SYSTEM,
  READING_DEFINITIONS,
  READING_KINDS,
  UCUM_SYSTEM,
  checkReading,
  isReadingKind,
  measureDefinition,
  type CheckedReading,
  type MeasureDefinition,
  type MeasureName,
  type Measurement,
  type ReadingInput,
  type ReadingKind,
  type ReadingKindDefinition,
  type UnitDefinition,
} from './readings.js';
export {
  MAX_DOSAGE_LENGTH,
  MAX_SHORT_TEXT_LENGTH,
  MEDICINE_KINDS,
  MEDICINE_STATUSES,
  SYMPTOM_SEVERITIES,
  checkMedicine,
  checkNote,
  checkSymptom,
  type CheckedMedicine,
  type CheckedNote,
  type CheckedSymptom,
  type MedicineInput,
  type MedicineKind,
  type MedicineStatus,
  type NoteInput,
  type SymptomInput,
  type SymptomSeverity,
} from './entries.js';
export {
  DEFAULT_PRIVACY_LABEL,
  MEDICINE_KIND_SYSTEM,
  medicineStatement,
  noteObservation,
  readingObservation,
  symptomObservation,
  type EntryAuthor,
  type EntryContext,
} from './phr-resources.js';
export {
  DEFAULT_TIME_ZONE,
  SERIES_BUCKETS,
  bucketSeries,
  isKnownTimeZone,
  readingSeries,
  type SeriesBucket,
  type SeriesBucketSummary,
  type SeriesOptions,
  type SeriesPoint,
} from './series.js';
export {
  ADVICE_TOPICS,
  AdviceLibrary,
  AdviceLibraryError,
  buildAdviceLibrary,
  loadAdviceLibrary,
  parseAdviceFile,
  type AdviceConditionRule,
  type AdviceEntry,
  type AdviceTopic,
  type ConditionMatch,
  type SubsumptionCheck,
} from './advice.js';
