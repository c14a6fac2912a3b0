// Learners for tests: built from the registry, sized for the SVEC layout (N agents, OBS features,
// one two-way choice and three continuous values) unless told otherwise.
import { loadAlgorithm } from '../../src/agents/catalog.ts';
import type { AnyLearner, LearnerSpaces } from '../../src/agents/contract.ts';
import type { ActionSpace } from '../../src/env/environment.ts';
import { RandomStreams } from '../../src/random/stream.ts';

export const SVEC_ACTION: ActionSpace = { discrete: [2], continuous: 3 };

export function spaces(agents: number, observationSize: number, action: ActionSpace = SVEC_ACTION): LearnerSpaces {
  return { agents, observationSize, action };
}

/** A learner of `algo` with the given hyperparameters (fields the algorithm lacks are dropped). */
export async function testLearner(algo: string, hp: Record<string, unknown>, learnerSpaces: LearnerSpaces, seed: number): Promise<AnyLearner> {
  const { schema, create } = await loadAlgorithm(algo);
  const own = Object.fromEntries(Object.entries(hp).filter(([k]) => k in schema.shape));
  return create(schema.parse(own), learnerSpaces, new RandomStreams(seed));
}
