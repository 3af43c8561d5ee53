import { Field, InputType, Int, ObjectType } from '@nestjs/graphql';

import type { ConsentSettingsView } from './consent-settings.service.js';
import type { HiddenSectionsByKind } from './domain/consent-settings.js';

// A person's sharing choices in GraphQL: what they see and what they send to change them.

/** What refusing break-glass means, shown before the person confirms it (docs/SECURITY.md, "Consent"). */
export const BREAK_GLASS_WARNING =
  'If you refuse emergency access, a doctor or nurse treating you in an emergency, when you cannot be asked, ' +
  'will not be able to see your shared record through Tessera: not your allergies, your medicines or your conditions. ' +
  'This may put you at risk. You can change this at any time.';

@ObjectType('HiddenSections', { description: 'Sections of your record hidden from every organisation of one kind.' })
export class HiddenSectionsType {
  @Field({ description: 'gp, acute, mental-health, community or social-care.' })
  organisationKind: string;
  @Field(() => [String], { description: 'Sections hidden: demographics, allergies, medications, conditions, ...' })
  sections: string[];
}

@ObjectType('ConsentSettings', { description: 'Your choices about who may see your shared record.' })
export class ConsentSettingsType {
  @Field({ description: 'You opted out of sharing: only your own organisations see their own records of you.' })
  optedOut: boolean;
  @Field(() => [HiddenSectionsType])
  hiddenSections: HiddenSectionsType[];
  @Field({ description: 'You refuse emergency (break-glass) access.' })
  refusesBreakGlass: boolean;
  @Field(() => Int, { description: 'Send it back as expectedVersion with a change, so two changes never overwrite each other.' })
  version: number;
  @Field({ nullable: true, description: 'When you last changed them; null while they are the defaults.' })
  updatedAt?: Date;
  @Field({ description: 'What refusing emergency access means: show it before the person confirms.' })
  breakGlassWarning: string;
}

@InputType('HiddenSectionsInput')
export class HiddenSectionsInput {
  @Field({ description: 'gp, acute, mental-health, community or social-care.' })
  organisationKind: string;
  @Field(() => [String])
  sections: string[];
}

@InputType('ConsentChangeInput', { description: 'What to change; fields left out stay as they are.' })
export class ConsentChangeInput {
  @Field({ nullable: true })
  optedOut?: boolean;
  @Field(() => [HiddenSectionsInput], { nullable: true, description: 'Replaces every hidden section; [] hides nothing.' })
  hiddenSections?: HiddenSectionsInput[];
  @Field({ nullable: true })
  refusesBreakGlass?: boolean;
  @Field({
    nullable: true,
    description: 'Must be true to refuse break-glass: you have read breakGlassWarning.',
  })
  breakGlassWarningRead?: boolean;
}

export function toConsentSettings(view: ConsentSettingsView): ConsentSettingsType {
  return {
    optedOut: view.choices.optedOut,
    hiddenSections: Object.entries(view.choices.hiddenSections).map(([organisationKind, sections]) => ({
      organisationKind,
      sections: [...(sections ?? [])],
    })),
    refusesBreakGlass: view.choices.refusesBreakGlass,
    version: view.version,
    ...(view.updatedAt ? { updatedAt: view.updatedAt } : {}),
    breakGlassWarning: BREAK_GLASS_WARNING,
  };
}

/** The change as the service checks it: a map of hidden sections, and only the fields sent. */
export function toConsentChange(input: ConsentChangeInput): Record<string, unknown> {
  const change: Record<string, unknown> = {};
  if (input.optedOut !== undefined && input.optedOut !== null) change.optedOut = input.optedOut;
  if (input.refusesBreakGlass !== undefined && input.refusesBreakGlass !== null) change.refusesBreakGlass = input.refusesBreakGlass;
  if (input.hiddenSections !== undefined && input.hiddenSections !== null) {
    const hidden: Record<string, string[]> = {};
    // Two entries for one kind add up, rather than the second silently replacing the first.
    for (const entry of input.hiddenSections)
      hidden[entry.organisationKind] = [...(hidden[entry.organisationKind] ?? []), ...entry.sections];
    change.hiddenSections = hidden as HiddenSectionsByKind;
  }
  return change;
}
