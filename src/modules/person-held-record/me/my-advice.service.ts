import { Injectable, type OnModuleInit } from '@nestjs/common';

import { AppConfig } from '../../../platform/config/index.js';
import { RecordReads, type RecordReadContext } from '../../record-aggregation/index.js';
import { type AdviceEntry, type AdviceLibrary, loadAdviceLibrary, SNOMED_CT_SYSTEM } from '../domain/index.js';
import { MyRecord } from './my-record.service.js';

/** The advice the hub ships; operators add folders of their own with PHR_ADVICE_DIRS. */
export const SHIPPED_ADVICE_DIR = 'config/advice';

/**
 * Well-being and condition information chosen by the person's own coded conditions: read from
 * their record (decided and audited like any read of their conditions), matched against the
 * advice library loaded at start (a bad file stops the start, naming the file and field).
 */
@Injectable()
export class MyAdvice implements OnModuleInit {
  private library?: AdviceLibrary;

  constructor(
    private readonly config: AppConfig,
    private readonly mine: MyRecord,
    private readonly reads: RecordReads,
  ) {}

  async onModuleInit(): Promise<void> {
    this.library = await loadAdviceLibrary([SHIPPED_ADVICE_DIR, ...this.config.adviceDirs]);
  }

  async forMe(context: RecordReadContext): Promise<{ entries: AdviceEntry[]; conditionCodes: string[] }> {
    const person = await this.mine.whoAmI(context.principal);
    const record = await this.reads.read(context, person.personId, ['conditions']);
    const conditionCodes = [
      ...new Set(
        record.sections
          .flatMap((section) => section.items)
          // Resolved and refuted conditions choose no advice.
          .filter((item) => item.status === undefined || !['resolved', 'inactive', 'refuted', 'entered-in-error'].includes(item.status))
          .flatMap((item) => codingsOf(item.resource))
          .filter((coding) => coding.system === SNOMED_CT_SYSTEM && typeof coding.code === 'string')
          .map((coding) => coding.code as string),
      ),
    ];
    return { entries: this.library!.adviceFor(conditionCodes), conditionCodes };
  }
}

function codingsOf(resource: unknown): Array<{ system?: string; code?: string }> {
  const code = (resource as { code?: { coding?: Array<{ system?: string; code?: string }> } }).code;
  return code?.coding ?? [];
}
