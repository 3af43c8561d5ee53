import { AppConfig } from '../../../platform/config/index.js';
import { AccessPolicyService } from './access-policy.service.js';

describe('AccessPolicyService', () => {
  it('reads the default policy file and decides with it', () => {
    const service = new AccessPolicyService(AppConfig.fromEnvironment({}));
    const decision = service.decide({
      principal: {
        kind: 'resident',
        subject: 's',
        issuer: 'i',
        roles: ['resident'],
        roleCodes: [],
        nhsNumber: '9990001234',
        proofingLevel: 'P5',
      },
      person: {
        id: 'p',
        nhsNumber: '9990001234',
        restricted: false,
        consent: { optedOut: false, hiddenSections: [], refusesBreakGlass: false },
      },
      sections: ['demographics', 'medications'],
      relationshipEvidence: [],
      organisationKinds: {},
      now: new Date(),
    });
    expect(decision.allowedSections).toEqual(['demographics']);
  });

  it('stops the start when ACCESS_POLICY_FILE names no file', () => {
    expect(() => new AccessPolicyService(AppConfig.fromEnvironment({}, { ACCESS_POLICY_FILE: 'config/no-such-policy.json' }))).toThrow(
      /cannot read the access policy file config\/no-such-policy\.json: no such file/,
    );
  });
});
