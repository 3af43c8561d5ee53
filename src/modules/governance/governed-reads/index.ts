// Governed reads: data about persons leaves only through PersonReads, after an access decision
// and a committed audit row (docs/SECURITY.md, "Governed reads").
export { PersonReads, type GovernedRead } from './person-reads.js';
export { Withheld, type PersonReference } from './withheld.js';
export { CurrentRequestId, CurrentRequestScope } from './current-request-id.decorator.js';
