// The clinical kernel shared by every module: FHIR R4 conventions (UK Core) and NHS numbers.
// Knows nothing of Nest, the database or the network.
export { NHS_NUMBER_SYSTEM, isValidNhsNumber, isTestRangeNhsNumber, normaliseNhsNumber } from './nhs-number.js';
export type * from './r4.js';
