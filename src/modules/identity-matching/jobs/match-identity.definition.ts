import { defineJob, QueueName } from '../../../platform/queue/index.js';

export type MatchIdentityData = {
  sourceIdentityId: string;
};

/**
 * Matches one new or changed source identity against the index: links it to a person, opens a
 * review, or gives it a person of its own. Safe to run twice: the second run finds the link.
 */
export const matchIdentity = defineJob<MatchIdentityData>({
  name: 'identity-matching.match-identity',
  queue: QueueName.SourceSync,
  options: { attempts: 5 },
});
