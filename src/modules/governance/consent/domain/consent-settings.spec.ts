import type { Principal } from '../../domain/principal.js';
import {
  applyConsentChange,
  changedSettings,
  consentChangeRefusal,
  DEFAULT_CONSENT,
  InvalidConsentChange,
  toPersonConsent,
  validateConsentChange,
} from './consent-settings.js';

const NHS = '9434765919';
const OTHER_NHS = '9434765870';

function problemsOf(raw: unknown): readonly string[] {
  try {
    validateConsentChange(raw);
  } catch (error) {
    if (error instanceof InvalidConsentChange) return error.problems;
    throw error;
  }
  throw new Error('the change was accepted');
}

const resident = (overrides: Partial<Principal> = {}): Principal => ({
  kind: 'resident',
  subject: 'resident-1',
  issuer: 'https://login.example/residents',
  roles: ['resident'],
  roleCodes: [],
  nhsNumber: NHS,
  proofingLevel: 'P9',
  ...overrides,
});

describe('consent settings', () => {
  it('default to shared, nothing hidden and break-glass allowed', () => {
    expect(toPersonConsent(DEFAULT_CONSENT)).toEqual({ optedOut: false, hiddenSections: [], refusesBreakGlass: false });
  });

  it('turn sections hidden per kind of organisation into the policy shape, one entry per section', () => {
    const consent = toPersonConsent({
      optedOut: true,
      hiddenSections: { 'social-care': ['conditions', 'medications'], acute: ['conditions'] },
      refusesBreakGlass: true,
    });
    expect(consent).toEqual({
      optedOut: true,
      hiddenSections: [
        { section: 'medications', organisationKinds: ['social-care'] },
        { section: 'conditions', organisationKinds: ['acute', 'social-care'] },
      ],
      refusesBreakGlass: true,
    });
  });

  it('accept a change, dropping duplicate sections and kinds with nothing hidden', () => {
    expect(
      validateConsentChange({ hiddenSections: { 'social-care': ['conditions', 'allergies', 'conditions'], gp: [] }, optedOut: false }),
    ).toEqual({ hiddenSections: { 'social-care': ['allergies', 'conditions'] }, optedOut: false });
  });

  it('refuse unknown sections, kinds and settings, naming each', () => {
    const problems = problemsOf({ hiddenSections: { pharmacy: ['conditions'], 'social-care': ['diary'] }, optedOut: 'yes', share: 1 });
    expect(problems).toEqual([
      '"share" is not a consent setting (one of: optedOut, hiddenSections, refusesBreakGlass)',
      'optedOut must be true or false',
      expect.stringContaining(
        'hiddenSections: "pharmacy" is not a kind of organisation (one of: gp, acute, mental-health, community, social-care)',
      ),
      expect.stringContaining('hiddenSections.social-care: "diary" is not a record section (one of: demographics, allergies'),
    ]);
    expect(problemsOf({ hiddenSections: { pds: ['conditions'] } })[0]).toContain('"pds" is not a kind of organisation');
  });

  it('refuse a change that sets nothing, and a value that is not an object', () => {
    expect(problemsOf({})).toEqual([expect.stringContaining('the change sets nothing')]);
    expect(problemsOf(['optedOut'])).toEqual(['the change must be an object']);
    expect(problemsOf({ hiddenSections: ['conditions'] })[0]).toContain('hiddenSections must map kinds of organisation');
  });

  it('keep what a change leaves out, and name only what changed', () => {
    const before = { optedOut: false, hiddenSections: { gp: ['allergies' as const] }, refusesBreakGlass: false };
    const after = applyConsentChange(before, { refusesBreakGlass: true });
    expect(after).toEqual({ optedOut: false, hiddenSections: { gp: ['allergies'] }, refusesBreakGlass: true });
    expect(changedSettings(before, after)).toEqual(['refusesBreakGlass']);
    expect(changedSettings(before, applyConsentChange(before, { hiddenSections: {} }))).toEqual(['hiddenSections']);
  });

  it('may be changed only by the person themself, proven to P9', () => {
    expect(consentChangeRefusal(resident(), NHS)).toBeUndefined();
    expect(consentChangeRefusal(resident(), '943 476 5919')).toBeUndefined();
    expect(consentChangeRefusal(resident(), OTHER_NHS)).toBe('not-own-record');
    expect(consentChangeRefusal(resident({ proofingLevel: 'P5' }), NHS)).toBe('insufficient-proofing');
    expect(consentChangeRefusal(resident({ nhsNumber: 'not-a-number' }), 'also-not')).toBe('not-own-record');
    const carer = resident({
      kind: 'carer',
      roles: ['carer'],
      nhsNumber: OTHER_NHS,
      actingFor: { nhsNumber: NHS, sections: ['allergies'], canAddReadings: true, expiresAt: '2099-01-01T00:00:00Z' },
    });
    expect(consentChangeRefusal(carer, NHS)).toBe('role-not-permitted');
    const clinician: Principal = {
      kind: 'professional',
      subject: 'gp-1',
      issuer: 'https://cis2.example/staff',
      roles: ['clinician'],
      roleCodes: ['S8000:G8000:R8000'],
      organisation: { code: 'A81001' },
    };
    expect(consentChangeRefusal(clinician, NHS)).toBe('role-not-permitted');
  });
});
