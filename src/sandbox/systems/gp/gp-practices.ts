import type { Organisation } from '../../population/population.types.js';
import { hashSeed } from '../../population/random.js';
import { CLINICIAN_SURNAMES, INITIALS } from '../../population/reference-data/care-staff.js';
import { CODE_SYSTEM, GENERAL_MEDICAL_PRACTITIONER, ODS_CODE_SYSTEM, PROFILE, SDS_USER_SYSTEM } from './gp-connect.constants.js';
import { stableHash, stableUuid } from './gp-ids.js';
import type { Location, Organization, Practitioner, PractitionerRole } from './stu3-types.js';

/** A clinician as the GP system knows them: parsed from the name the history records. */
export interface Clinician {
  practitionerId: string;
  roleId: string;
  name: string;
  prefix?: string;
  given: string[];
  family: string;
  sdsUserId: string;
  practiceCode: string;
}

export interface Practice {
  organisation: Organisation;
  /** Organization and Location logical ids: the ODS code, and the main site. */
  organizationId: string;
  locationId: string;
  phone: string;
  /** The practice's GPs: the names its consultations are recorded under (clinical-history.ts). */
  gps: Clinician[];
}

/** How many GPs the history draws consultations from at each practice (clinician(): random.int(0, 3)). */
const GPS_PER_PRACTICE = 4;
const TITLES = new Set(['Dr', 'Mr', 'Mrs', 'Ms', 'Miss', 'Nurse', 'Prof']);

/** The borough's GP practices, their staff and the supporting resources every response carries. */
export class GpPractices {
  private readonly practices = new Map<string, Practice>();
  private readonly clinicians = new Map<string, Clinician>();

  constructor(organisations: Organisation[]) {
    for (const organisation of organisations) {
      if (organisation.kind !== 'gp-practice') continue;
      const gps: Clinician[] = [];
      for (let index = 0; index < GPS_PER_PRACTICE; index++) {
        const clinician = this.clinician(organisation.code, practiceGpName(organisation.code, index));
        if (!gps.includes(clinician)) gps.push(clinician);
      }
      this.practices.set(organisation.code, {
        organisation,
        organizationId: organisation.code,
        locationId: `${organisation.code}-main`,
        phone: `020 7${String(stableHash(organisation.code) % 1_000).padStart(3, '0')} ${String(stableHash(`${organisation.code}|line`) % 10_000).padStart(4, '0')}`,
        gps,
      });
    }
  }

  get(odsCode: string): Practice | undefined {
    return this.practices.get(odsCode);
  }

  all(): Practice[] {
    return [...this.practices.values()];
  }

  /** The patient's usual GP: one of the practice's GPs, stable for the patient. */
  usualGp(practice: Practice, patientKey: string): Clinician {
    return practice.gps[stableHash(patientKey) % practice.gps.length] as Clinician;
  }

  /** The GP who runs a session (schedule) of the practice's appointment book. */
  scheduleGp(practice: Practice, schedule: number): Clinician {
    return practice.gps[(schedule - 1) % practice.gps.length] as Clinician;
  }

  /** The clinician a recorded name stands for, at a practice; the same name always maps to the same ids. */
  clinician(practiceCode: string, name: string): Clinician {
    const key = `${practiceCode}|${name}`;
    const known = this.clinicians.get(key);
    if (known) return known;
    const words = name.trim().split(/\s+/);
    const prefix = words.length > 1 && TITLES.has(words[0] as string) ? words.shift() : undefined;
    const family = words.pop() ?? name;
    const clinician: Clinician = {
      practitionerId: stableUuid(`practitioner|${key}`),
      roleId: stableUuid(`practitioner-role|${key}`),
      name,
      ...(prefix ? { prefix } : {}),
      given: words,
      family,
      sdsUserId: `G${String(stableHash(key) % 10_000_000).padStart(7, '0')}`,
      practiceCode,
    };
    this.clinicians.set(key, clinician);
    return clinician;
  }

  organizationResource(practice: Practice): Organization {
    const { organisation } = practice;
    return {
      resourceType: 'Organization',
      id: practice.organizationId,
      meta: { versionId: '1', profile: [PROFILE.organization] },
      identifier: [{ system: ODS_CODE_SYSTEM, value: organisation.code }],
      type: [{ coding: [{ system: CODE_SYSTEM.organisationType, code: 'gp-practice' }] }],
      name: organisation.name,
      telecom: [{ system: 'phone', value: practice.phone, use: 'work' }],
      address: [
        { use: 'work', line: organisation.address.lines, city: organisation.address.town, postalCode: organisation.address.postcode },
      ],
    };
  }

  locationResource(practice: Practice): Location {
    const { organisation } = practice;
    return {
      resourceType: 'Location',
      id: practice.locationId,
      meta: { versionId: '1', profile: [PROFILE.location] },
      name: organisation.name,
      address: { line: organisation.address.lines, city: organisation.address.town, postalCode: organisation.address.postcode },
      telecom: [{ system: 'phone', value: practice.phone, use: 'work' }],
      managingOrganization: { reference: `Organization/${practice.organizationId}` },
    };
  }

  practitionerResource(clinician: Clinician): Practitioner {
    return {
      resourceType: 'Practitioner',
      id: clinician.practitionerId,
      meta: { versionId: '1', profile: [PROFILE.practitioner] },
      identifier: [{ system: SDS_USER_SYSTEM, value: clinician.sdsUserId }],
      name: [
        {
          use: 'usual',
          family: clinician.family,
          ...(clinician.given.length > 0 ? { given: clinician.given } : {}),
          ...(clinician.prefix ? { prefix: [clinician.prefix] } : {}),
        },
      ],
    };
  }

  practitionerRoleResource(clinician: Clinician): PractitionerRole {
    return {
      resourceType: 'PractitionerRole',
      id: clinician.roleId,
      meta: { profile: [PROFILE.practitionerRole] },
      practitioner: { reference: `Practitioner/${clinician.practitionerId}` },
      organization: { reference: `Organization/${clinician.practiceCode}` },
      code: [{ coding: [{ system: CODE_SYSTEM.jobRoleName, ...GENERAL_MEDICAL_PRACTITIONER }] }],
    };
  }
}

/** The name clinical-history.ts gives the practice's n-th GP (its clinician() with title Dr). */
function practiceGpName(practiceCode: string, index: number): string {
  const hash = hashSeed(0, practiceCode, index) >>> 0;
  const surname = CLINICIAN_SURNAMES[hash % CLINICIAN_SURNAMES.length];
  // Unsigned shift: a signed one turns half the hashes negative and the initial into "undefined".
  const initial = INITIALS[(hash >>> 8) % INITIALS.length];
  return `Dr ${initial} ${surname}`;
}
