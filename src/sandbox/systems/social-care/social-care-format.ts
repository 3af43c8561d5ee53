import type { AllocatedWorker, CarePackageItem, SocialCareAssessmentItem } from '../../population/clinical-history.types.js';
import type { PostalAddress } from '../../population/population.types.js';
import { hashSeed } from '../../population/random.js';

// The council system's own ways of writing things down: dates as DD/MM/YYYY, surnames in
// capitals, one-line addresses, NHS numbers spaced 3-3-4, codes in upper case.

/** 1990-01-02 → 02/01/1990. */
export function ukDate(isoDate: string): string {
  const [year, month, day] = isoDate.slice(0, 10).split('-');
  return `${day}/${month}/${year}`;
}

/** 02/01/1990 → 1990-01-02, or undefined when it is not a real date written DD/MM/YYYY. */
export function isoFromUkDate(value: string): string | undefined {
  const match = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(value);
  if (!match) return undefined;
  const iso = `${match[3]}-${match[2]}-${match[1]}`;
  const parsed = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === iso ? iso : undefined;
}

/** 9991234567 → "999 123 4567". */
export function spacedNhsNumber(digits: string): string {
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
}

/** "Flat 4, 27 Holloway Road, London N7 6LJ". */
export function oneLineAddress(address: PostalAddress): string {
  return [...address.lines, `${address.town} ${address.postcode}`].join(', ');
}

/** Keys the council's searches compare on: upper-case letters only for names, no spaces for postcodes. */
export function nameSearchKey(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z]/g, '');
}

export function postcodeSearchKey(value: string): string {
  return value.toUpperCase().replace(/\s+/g, '');
}

const ASSESSMENT_TYPES: Record<SocialCareAssessmentItem['assessmentType'], { code: string; name: string }> = {
  'care-act-needs': { code: 'CANA', name: 'Care Act Needs Assessment' },
  carers: { code: 'CARER', name: "Carer's Assessment" },
  review: { code: 'REV', name: 'Care and Support Review' },
  financial: { code: 'FAB', name: 'Financial Assessment' },
};

const SERVICE_TYPES: Record<CarePackageItem['service'], { code: string; name: string }> = {
  'home-care': { code: 'HOMECARE', name: 'Home Care' },
  'day-centre': { code: 'DAYCTR', name: 'Day Opportunities' },
  meals: { code: 'MEALS', name: 'Meals at Home' },
  equipment: { code: 'EQUIP', name: 'Community Equipment' },
  residential: { code: 'RESCARE', name: 'Residential Care' },
  reablement: { code: 'REABLE', name: 'Reablement' },
};

const WORKER_ROLES: Record<AllocatedWorker['role'], string> = {
  'social-worker': 'Social Worker',
  'occupational-therapist': 'Occupational Therapist',
  'care-coordinator': 'Care Coordinator',
};

export function assessmentView(item: SocialCareAssessmentItem) {
  const type = ASSESSMENT_TYPES[item.assessmentType];
  return {
    assessmentId: itemReference('ASM', item.id),
    typeCode: type.code,
    type: type.name,
    completedDate: ukDate(item.date),
    outcome: item.outcome,
    eligibleNeeds: item.eligible ? 'Y' : 'N',
  };
}

export function carePackageView(item: CarePackageItem) {
  const service = SERVICE_TYPES[item.service];
  return {
    packageId: itemReference('PKG', item.id),
    serviceCode: service.code,
    service: service.name,
    provider: item.provider,
    hoursPerWeek: item.hoursPerWeek ?? null,
    weeklyCost: item.weeklyCostPence / 100,
    startDate: ukDate(item.start),
    endDate: item.end ? ukDate(item.end) : null,
    status: item.status === 'active' ? 'ACTIVE' : 'ENDED',
  };
}

export function workerView(worker: AllocatedWorker) {
  return { name: worker.name, role: WORKER_ROLES[worker.role], team: worker.team, allocatedDate: ukDate(worker.since) };
}

/**
 * The council's own reference for an item. Item ids embed the truth's person id, which no
 * simulated system may show, so the reference is a hash of it.
 */
function itemReference(prefix: string, itemId: string): string {
  return `${prefix}-${(hashSeed(0, 'social-care', itemId) >>> 0).toString().padStart(10, '0')}`;
}
