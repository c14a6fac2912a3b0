// The scenario's mobility model (`mobility.model`): the straight road (default) or a trace.
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../../config/load.ts';
import type { Scenario } from '../../config/scenario.ts';
import { REPOSITORY_ROOT } from '../fidelity.ts';
import type { MobilityModel } from './model.ts';
import { RoadMobility } from './road.ts';
import { TraceMobility } from './trace.ts';
import { readTraceFile, TraceFormatError, type Trace } from './traceFile.ts';

export type { MobilityModel } from './model.ts';
export { RoadMobility } from './road.ts';
export { TraceMobility } from './trace.ts';

/** A trace path as the scenario names it: absolute, else the working directory, else the repository root (like fidelityTable). */
export function resolveTracePath(spec: string): string {
  if (isAbsolute(spec) || existsSync(spec)) return resolve(spec);
  return join(REPOSITORY_ROOT, spec);
}

/** Loads the scenario's trace; a missing or malformed file is a ConfigError naming mobility.trace. */
export function loadScenarioTrace(scenario: Scenario): Trace {
  const spec = scenario.mobility.trace;
  if (!spec) throw new ConfigError("scenario: mobility.trace: required when mobility.model is 'trace'");
  let trace: Trace;
  try {
    trace = readTraceFile(resolveTracePath(spec));
  } catch (err) {
    if (err instanceof TraceFormatError) throw new ConfigError(`scenario: mobility.trace: ${spec}: ${err.message}`);
    throw err;
  }
  const needS = (scenario.slotsPerEpisode - 1) * scenario.slotS;
  if (TraceMobility.latestStart(trace, scenario.slotS, scenario.slotsPerEpisode) < trace.startS) {
    throw new ConfigError(
      `scenario: mobility.trace: ${spec} covers ${(trace.endS - trace.startS).toFixed(1)} s, but an episode spans ${needS.toFixed(1)} s (slotsPerEpisode x slotS)`,
    );
  }
  return trace;
}

export function createMobility(scenario: Scenario, n: number): MobilityModel {
  const m = scenario.mobility;
  if (m.model === 'road') return new RoadMobility(scenario, n);
  const trace = loadScenarioTrace(scenario);
  return new TraceMobility(trace, n, {
    coverageM: m.coverageM,
    rsuHeightM: m.rsuHeightM,
    rsu: m.rsu ?? trace.header.rsu,
    slotS: scenario.slotS,
    slotsPerEpisode: scenario.slotsPerEpisode,
  });
}
