import type { IdentityFields } from './identity-fields.js';
import type { LinkMethod, MatchExplanation } from './match-explanation.js';
import type { MatchModelParameters } from './match-model.js';
import type { MatchThresholds } from './match-thresholds.js';

/** One record of an extract to link. */
export interface LinkageRecord {
  source: string;
  localId: string;
  fields: IdentityFields;
}

/** Where a bulk linkage has got to, for a progress line. */
export interface LinkageProgress {
  stage: 'normalise' | 'block' | 'train' | 'score' | 'cluster';
  done: number;
  total: number;
}

export interface LinkageOptions {
  thresholds?: Partial<MatchThresholds>;
  onProgress?: (progress: LinkageProgress) => void;
  /** Names the model trained for this run (default `bulk`). */
  modelVersion?: string;
}

/** What the linker decided for one input record (same position as in the input array). */
export interface LinkageAssignment {
  /** Records with the same cluster id are the same person. */
  clusterId: string;
  /** How the record joined its cluster; `new` when it is alone or first in it. */
  method: LinkMethod | 'new';
  /** The match probability of the link that joined it (1 for an NHS-number link, 0 for `new`). */
  score: number;
}

export interface LinkagePair {
  left: number;
  right: number;
  explanation: MatchExplanation;
}

export interface LinkageResult {
  assignments: LinkageAssignment[];
  /** Candidate pairs compared after blocking. */
  pairsCompared: number;
  /** Pairs at or above the link threshold. */
  pairsLinked: number;
  /** Pairs between the review and link thresholds (or blocked by a contradiction): for a steward. */
  reviewPairs: LinkagePair[];
  clusters: number;
  /** The model trained on the extract (m, u, prior, term frequencies). */
  model: MatchModelParameters;
}
