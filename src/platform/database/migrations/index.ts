import { CreateDeadLetter1795431194269 } from './1795431194269-CreateDeadLetter.js';
import { CreateQueueHeartbeat1795431194270 } from './1795431194270-CreateQueueHeartbeat.js';
import { CreateSource1795431194275 } from './1795431194275-CreateSource.js';
import { CreateSourceIdentity1795431194276 } from './1795431194276-CreateSourceIdentity.js';
import { CreateSourceSyncState1795431194277 } from './1795431194277-CreateSourceSyncState.js';
import { CreateHl7Inbox1795431194280 } from './1795431194280-CreateHl7Inbox.js';
import { CreateIdentityIndex1795431194290 } from './1795431194290-CreateIdentityIndex.js';
import { CreateAuditEvent1795431194300 } from './1795431194300-CreateAuditEvent.js';
import { CreateAccessReview1795431194310 } from './1795431194310-CreateAccessReview.js';
import { CreateAccessGrant1795431194320 } from './1795431194320-CreateAccessGrant.js';
import { CreateConsentSetting1795431194330 } from './1795431194330-CreateConsentSetting.js';
import { CreateCarerDelegation1795431194340 } from './1795431194340-CreateCarerDelegation.js';
import { CreateSharedCarePlan1795431194350 } from './1795431194350-CreateSharedCarePlan.js';

/**
 * Every migration, oldest first. Listed by hand rather than globbed so that the compiled app,
 * the tests and the migration command load exactly the same set.
 */
export const migrations = [
  CreateDeadLetter1795431194269,
  CreateQueueHeartbeat1795431194270,
  CreateSource1795431194275,
  CreateSourceIdentity1795431194276,
  CreateSourceSyncState1795431194277,
  CreateHl7Inbox1795431194280,
  CreateIdentityIndex1795431194290,
  CreateAuditEvent1795431194300,
  CreateAccessReview1795431194310,
  CreateAccessGrant1795431194320,
  CreateConsentSetting1795431194330,
  CreateCarerDelegation1795431194340,
  CreateSharedCarePlan1795431194350,
];
