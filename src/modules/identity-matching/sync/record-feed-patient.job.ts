import { Injectable, Logger } from '@nestjs/common';

import { FeedPatients, feedPatientChanged, type FeedPatientChangedData } from '../../source-connectors/index.js';
import { JobHandler, type JobEnvelope } from '../../../platform/queue/index.js';
import { IdentityIntake } from '../matching/identity-intake.js';
import { demographicsOf } from '../source-demographics.js';

/**
 * A feed message (an ADT from the hospital) changed a patient's demographics: the source
 * identity takes them at once, merged into what the source's sync last said, instead of waiting
 * for the next sync. Running it twice has one effect.
 */
@Injectable()
export class RecordFeedPatientJob {
  private readonly logger = new Logger('SourceSync');

  constructor(
    private readonly feedPatients: FeedPatients,
    private readonly identities: IdentityIntake,
  ) {}

  @JobHandler(feedPatientChanged)
  async run({ facility, localId }: JobEnvelope<FeedPatientChangedData>): Promise<void> {
    const found = await this.feedPatients.patient(facility, localId);
    if (!found) {
      this.logger.log(`feed patient of ${facility}: no registered source or no demographics; nothing recorded`);
      return;
    }
    const demographics = demographicsOf(found.patient);
    await this.identities.record(found.sourceId, [{ localId, demographics }], 'merge');
  }
}
