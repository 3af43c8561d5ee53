import { SourceError } from '../../src/modules/source-connectors/index.js';

/** The SourceError a call fails with; fails the test when it succeeds or fails some other way. */
export async function caught(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SourceError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
