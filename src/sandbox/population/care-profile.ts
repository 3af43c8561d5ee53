import type { ConditionKey } from './reference-data/clinical-codes.js';
import type { SeededRandom } from './random.js';
import type { CareProfile, Person } from './population.types.js';

// Prevalence of long-term conditions by age, in the shape of QOF registers for an inner-London
// borough. Diabetes is about twice as common in people of South Asian and Black origin.

type AgeCurve = Array<[minimumAge: number, probability: number]>;

const PREVALENCE: Record<ConditionKey, AgeCurve> = {
  hypertension: [
    [18, 0.03],
    [40, 0.15],
    [60, 0.4],
    [80, 0.55],
  ],
  diabetes: [
    [18, 0.01],
    [30, 0.04],
    [50, 0.1],
    [70, 0.16],
  ],
  asthma: [[0, 0.08]],
  copd: [
    [40, 0.03],
    [65, 0.07],
  ],
  ckd: [
    [60, 0.08],
    [75, 0.18],
  ],
  atrialFibrillation: [
    [65, 0.06],
    [80, 0.12],
  ],
  coronaryHeartDisease: [
    [55, 0.05],
    [75, 0.1],
  ],
  heartFailure: [
    [70, 0.04],
    [85, 0.08],
  ],
  depression: [[16, 0.1]],
  anxiety: [[16, 0.07]],
  schizophrenia: [[18, 0.007]],
  bipolar: [[18, 0.006]],
  dementia: [
    [65, 0.025],
    [80, 0.12],
    [90, 0.25],
  ],
  hypothyroidism: [
    [18, 0.025],
    [60, 0.05],
  ],
  osteoarthritis: [
    [50, 0.12],
    [70, 0.25],
  ],
  epilepsy: [[0, 0.007]],
  hypercholesterolaemia: [
    [40, 0.08],
    [60, 0.12],
  ],
  stroke: [
    [60, 0.02],
    [80, 0.05],
  ],
};

const HIGHER_DIABETES_RISK = new Set(['bangladeshi', 'pakistani', 'indian', 'caribbean', 'west-african', 'somali']);

function probabilityAt(curve: AgeCurve, age: number): number {
  let probability = 0;
  for (const [minimumAge, value] of curve) if (age >= minimumAge) probability = value;
  return probability;
}

export function drawCareProfile(random: SeededRandom, person: Person, age: number): CareProfile {
  const conditions: ConditionKey[] = [];
  for (const key of Object.keys(PREVALENCE) as ConditionKey[]) {
    let probability = probabilityAt(PREVALENCE[key], age);
    if (key === 'diabetes' && HIGHER_DIABETES_RISK.has(person.nameOrigin)) probability *= 1.9;
    if (key === 'ckd' && conditions.includes('diabetes')) probability *= 2;
    if (key === 'hypothyroidism' && person.sex === 'female') probability *= 1.6;
    if (random.chance(probability)) conditions.push(key);
  }
  const has = (key: ConditionKey) => conditions.includes(key);
  const seriousMentalIllness = has('schizophrenia') || has('bipolar');
  const mentalHealth =
    seriousMentalIllness || (has('depression') && random.chance(0.25)) || (has('anxiety') && random.chance(0.1)) || random.chance(0.004);
  const frail = has('dementia') || has('heartFailure') || has('stroke');
  const socialCareChance =
    age >= 18
      ? has('dementia')
        ? 0.6
        : frail
          ? 0.3
          : age >= 85
            ? 0.25
            : age >= 75
              ? 0.1
              : age >= 65
                ? 0.03
                : seriousMentalIllness
                  ? 0.12
                  : 0.004
      : 0;
  const socialCare = random.chance(socialCareChance);
  const acuteChance = Math.min(0.95, 0.25 + age / 250 + conditions.length * 0.08 + (socialCare ? 0.3 : 0));
  const acute = random.chance(acuteChance);
  return { conditions, acute, mentalHealth, socialCare };
}
