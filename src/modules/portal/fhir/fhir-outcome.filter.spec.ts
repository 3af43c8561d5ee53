import { HttpException, HttpStatus } from '@nestjs/common';

import { GovernanceError, GovernanceErrorCode } from '../../governance/index.js';
import { RecordAggregationError, RecordAggregationErrorCode } from '../../record-aggregation/index.js';
import { r4Errors } from '../../../../test/setup/r4-validation.js';
import { invalidParameter, FhirFacadeError, FhirFacadeErrorCode } from './fhir-facade.errors.js';
import { errorAnswer } from './fhir-outcome.filter.js';

const issueOf = (error: unknown) => {
  const answer = errorAnswer(error);
  return { status: answer.status, issue: answer.outcome.issue[0]!, headers: answer.headers, unexpected: answer.unexpected };
};

describe('errorAnswer: every error the facade answers as an OperationOutcome', () => {
  it('refuses a bad parameter with 400, naming it as http.<name>', () => {
    const { status, issue } = issueOf(invalidParameter('_count', 'must be a whole number from 1 to 20'));
    expect(status).toBe(400);
    expect(issue).toMatchObject({
      severity: 'error',
      code: 'invalid',
      expression: ['http._count'],
      details: { text: '_count: must be a whole number from 1 to 20' },
    });
  });

  it('answers an unauthenticated request 401 with a Bearer challenge and the reason code', () => {
    const { status, issue, headers } = issueOf(
      new GovernanceError(GovernanceErrorCode.Unauthenticated, 'expired', 'the token has expired'),
    );
    expect(status).toBe(401);
    expect(issue.code).toBe('login');
    expect(issue.details!.coding![0]!.code).toBe('expired');
    expect(headers).toEqual([['www-authenticate', 'Bearer realm="tessera", error="invalid_token", error_description="expired"']]);
  });

  it('refuses with 403 and the policy’s reason code (and insufficient_scope for a SMART scope refusal)', () => {
    const refused = issueOf(
      new GovernanceError(GovernanceErrorCode.Forbidden, 'not-own-record', 'you may not read this record (not-own-record)'),
    );
    expect(refused.status).toBe(403);
    expect(refused.issue).toMatchObject({ code: 'forbidden', details: { coding: [{ code: 'not-own-record' }] } });
    const scoped = issueOf(
      new GovernanceError(GovernanceErrorCode.Forbidden, 'insufficient-scope', 'the token’s SMART scopes do not allow it'),
    );
    expect(scoped.headers).toEqual([['www-authenticate', 'Bearer realm="tessera", error="insufficient_scope"']]);
  });

  it('maps record refusals, the facade’s own, and a rate limit', () => {
    expect(issueOf(new RecordAggregationError(RecordAggregationErrorCode.NotFound, 'no person with that id'))).toMatchObject({
      status: 404,
      issue: { code: 'not-found' },
    });
    expect(issueOf(new RecordAggregationError(RecordAggregationErrorCode.BadInput, 'x')).status).toBe(400);
    expect(issueOf(new FhirFacadeError(FhirFacadeErrorCode.UnknownResource, 'not served')).status).toBe(404);
    expect(issueOf(new FhirFacadeError(FhirFacadeErrorCode.ReadOnly, 'read-only'))).toMatchObject({
      status: 405,
      headers: [['allow', 'GET']],
    });
    expect(issueOf(new FhirFacadeError(FhirFacadeErrorCode.NotAcceptable, 'json only')).status).toBe(406);
    const limited = issueOf(new HttpException({ message: 'too many requests: try again in 3 s' }, HttpStatus.TOO_MANY_REQUESTS));
    expect(limited).toMatchObject({ status: 429, issue: { code: 'throttled', details: { text: 'too many requests: try again in 3 s' } } });
  });

  it('says nothing of an unexpected error but that it happened', () => {
    const answer = errorAnswer(new Error('relation "audit_event" does not exist: SELECT … WHERE nhs_number = 9434765919'));
    expect(answer.status).toBe(500);
    expect(answer.unexpected).toBe(true);
    expect(JSON.stringify(answer.outcome)).not.toMatch(/audit_event|9434765919/);
    expect(r4Errors(answer.outcome)).toEqual([]);
  });
});
