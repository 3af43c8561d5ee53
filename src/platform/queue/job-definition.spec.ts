import { defineJob, payloadProblems } from './job-definition.js';
import { QueueName } from './queue-names.js';

describe('defineJob', () => {
  it('accepts <module>.<verb-noun> names', () => {
    expect(defineJob({ name: 'identity-matching.match-source-identity', queue: QueueName.Maintenance }).name).toBe(
      'identity-matching.match-source-identity',
    );
  });

  it.each(['heartbeat', 'operations.heartbeat', 'Operations.Record-Heartbeat', 'operations.record_heartbeat'])(
    'refuses the name %s',
    (name) => {
      expect(() => defineJob({ name, queue: QueueName.Maintenance })).toThrow(/<module>\.<verb-noun>/);
    },
  );
});

describe('payloadProblems', () => {
  it('accepts ids and flags', () => {
    expect(payloadProblems({ personId: '7f1c', attempt: 2, force: true, cursor: null })).toEqual([]);
  });

  it('refuses nested content, arrays and long strings, naming each key', () => {
    expect(payloadProblems({ resource: { resourceType: 'Patient' }, codes: ['a'], note: 'x'.repeat(200) })).toEqual([
      'resource is object; payloads hold ids and flags only',
      'codes is an array; payloads hold ids and flags only',
      'note is longer than 128 characters',
    ]);
  });
});
