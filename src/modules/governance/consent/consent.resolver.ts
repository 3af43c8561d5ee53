import { Args, Int, Mutation, Query, Resolver } from '@nestjs/graphql';

import { CurrentPrincipal, RequireRoles } from '../authentication/authentication.decorators.js';
import type { Principal } from '../domain/principal.js';
import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';
import { CurrentRequestId } from '../governed-reads/current-request-id.decorator.js';
import { ConsentSettings } from './consent-settings.service.js';
import { BREAK_GLASS_WARNING, ConsentChangeInput, ConsentSettingsType, toConsentChange, toConsentSettings } from './consent.graphql.js';
import { consentChangeRefusal } from './domain/consent-settings.js';

// A resident's own sharing choices: read and changed only by the person, signed in with high
// proofing (P9); the policy enforces them across every source (docs/SECURITY.md, "Consent").

@Resolver()
@RequireRoles('resident')
export class ConsentResolver {
  constructor(private readonly consent: ConsentSettings) {}

  @Query(() => ConsentSettingsType, { description: 'Your sharing choices (the defaults until you change them).' })
  async myConsent(@CurrentPrincipal() principal: Principal): Promise<ConsentSettingsType> {
    return toConsentSettings(await this.consent.settings(ownNumber(principal)));
  }

  @Mutation(() => ConsentSettingsType, {
    description:
      'Changes your sharing choices: opt out, hide sections from kinds of organisation, refuse emergency access (only with breakGlassWarningRead).',
  })
  async updateMyConsent(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('change', { type: () => ConsentChangeInput }) change: ConsentChangeInput,
    @Args('expectedVersion', { type: () => Int, nullable: true, description: 'The version you last read; a later change is a conflict.' })
    expectedVersion: number | null,
  ): Promise<ConsentSettingsType> {
    // Nobody refuses emergency care without having been told what it means.
    if (change.refusesBreakGlass === true && change.breakGlassWarningRead !== true)
      throw new GovernanceError(
        GovernanceErrorCode.BadInput,
        'break-glass-warning-not-read',
        `refusing emergency access needs breakGlassWarningRead: true, after showing the person this: ${BREAK_GLASS_WARNING}`,
      );
    const updated = await this.consent.update(principal, ownNumber(principal), toConsentChange(change), {
      requestId,
      ...(expectedVersion === null || expectedVersion === undefined ? {} : { expectedVersion }),
    });
    return toConsentSettings(updated);
  }
}

/** The signed-in resident's own NHS number, when they may see their settings (P9, own record). */
function ownNumber(principal: Principal): string {
  const nhsNumber = principal.nhsNumber ?? '';
  const refusal = consentChangeRefusal(principal, nhsNumber);
  if (refusal) throw new GovernanceError(GovernanceErrorCode.Forbidden, refusal, `your sharing choices need a P9 sign-in (${refusal})`);
  return nhsNumber;
}
