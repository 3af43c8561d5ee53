/**
 * Every BullMQ queue Tessera uses. Queues separate work by urgency, so a long analytics run can
 * never hold up a hospital's admission feed. A module adds its queue here when it adds jobs.
 */
export const QueueName = {
  /** Housekeeping that proves the queue itself is alive (heartbeats). */
  Maintenance: 'maintenance',
  /** Inbound clinical feeds (HL7 v2 messages): short jobs whose lag is visible to clinicians. */
  ClinicalFeeds: 'clinical-feeds',
  /** Background sync of each source's patients into the identity index: long, patient work. */
  SourceSync: 'source-sync',
} as const;

export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const allQueueNames: readonly QueueName[] = Object.values(QueueName);
