import { CreateDeadLetter1795431194269 } from './1795431194269-CreateDeadLetter.js';
import { CreateQueueHeartbeat1795431194270 } from './1795431194270-CreateQueueHeartbeat.js';
import { CreateSource1795431194275 } from './1795431194275-CreateSource.js';

/**
 * Every migration, oldest first. Listed by hand rather than globbed so that the compiled app,
 * the tests and the migration command load exactly the same set.
 */
export const migrations = [
  CreateDeadLetter1795431194269,
  CreateQueueHeartbeat1795431194270,
  CreateSource1795431194275,
];
