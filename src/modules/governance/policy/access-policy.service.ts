import { Inject, Injectable } from '@nestjs/common';

import { AppConfig } from '../../../platform/config/index.js';
import { type AccessDecision, type AccessRequest, decideAccess } from './access-decision.js';
import type { AccessPolicy } from './access-policy.js';
import { loadAccessPolicyFile } from './access-policy.loader.js';

/** The access policy the hub runs under, read from ACCESS_POLICY_FILE when the app is built: a bad file stops the start. */
@Injectable()
export class AccessPolicyService {
  readonly policy: AccessPolicy;

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.policy = loadAccessPolicyFile(config.accessPolicyFile);
  }

  decide(request: AccessRequest): AccessDecision {
    return decideAccess(request, this.policy);
  }
}
