// Relationship evidence: the events that tie organisations to a person, from what the hub holds.
export { RelationshipEvidence } from './relationship-evidence.service.js';
export { relationshipEventsOf } from './domain/relationship-events.js';
