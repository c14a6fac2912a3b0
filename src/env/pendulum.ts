// Gymnasium's Pendulum-v1 with its exact dynamics, as a one-agent environment of the interface:
// a published benchmark on which svec's learners are checked against rl-baselines3-zoo
// (svec validate, docs/validation.md). Nothing here comes from SVEC.
//
//   state (theta, thetadot); reset: theta ~ U[-pi, pi], thetadot ~ U[-1, 1]
//   u = clip(2 a, -2, 2)  (the agent's a in [-1, 1] maps onto the torque range [-2, 2])
//   cost = angle_normalize(theta)^2 + 0.1 thetadot^2 + 0.001 u^2,  reward = -cost
//   thetadot' = clip(thetadot + (3 g / (2 l) sin(theta) + 3 / (m l^2) u) dt, -8, 8)
//   theta' = theta + thetadot' dt,  g = 10, m = 1, l = 1, dt = 0.05
//   observation (cos theta, sin theta, thetadot); 200 steps, then truncation (TimeLimit)
// (gymnasium/envs/classic_control/pendulum.py, v1.)
import { RandomStreams } from '../random/stream.ts';
import type { EnvSpec, MultiAgentEnv, StepResult } from './environment.ts';

const MAX_SPEED = 8;
const MAX_TORQUE = 2;
const DT = 0.05;
const G = 10;
const M = 1;
const L = 1;
const STEPS = 200;

/** Python's ((x + pi) % (2 pi)) - pi, with Python's non-negative modulo. */
export function angleNormalize(x: number): number {
  const period = 2 * Math.PI;
  const shifted = (x + Math.PI) % period;
  return (shifted < 0 ? shifted + period : shifted) - Math.PI;
}

export class PendulumEnv implements MultiAgentEnv {
  readonly spec: EnvSpec = {
    id: 'pendulum',
    agents: 1,
    observation: { size: 3, low: [-1, -1, -MAX_SPEED], high: [1, 1, MAX_SPEED], names: ['cos_theta', 'sin_theta', 'theta_dot'] },
    action: { discrete: [], continuous: 1, names: ['torque'] },
    maxEpisodeSteps: STEPS,
    metrics: ['return', 'finalAbsAngle'],
  };
  /** angle (rad) and angular velocity (rad/s) */
  theta = 0;
  thetaDot = 0;
  private steps = 0;
  private total = 0;
  private readonly result: StepResult = {
    observations: new Float32Array(3),
    rewards: new Float64Array(1),
    terminations: new Uint8Array(1),
    truncations: new Uint8Array(1),
  };

  reset(seed: number): Float32Array {
    const rng = new RandomStreams(seed).get('scenario');
    this.theta = rng.uniformIn(-Math.PI, Math.PI);
    this.thetaDot = rng.uniformIn(-1, 1);
    this.steps = 0;
    this.total = 0;
    this.result.truncations[0] = 0;
    this.observe();
    return this.result.observations;
  }

  step(actions: Float32Array): StepResult {
    if (actions.length !== 1) throw new Error(`pendulum: step() expects 1 action value, got ${actions.length}`);
    if (this.steps >= STEPS) throw new Error('pendulum: the episode is over; call reset()');
    const a = Number.isFinite(actions[0]!) ? actions[0]! : 0;
    const u = Math.max(-MAX_TORQUE, Math.min(MAX_TORQUE, MAX_TORQUE * a));
    const th = this.theta;
    const thdot = this.thetaDot;
    const cost = angleNormalize(th) ** 2 + 0.1 * thdot ** 2 + 0.001 * u ** 2;
    let newThdot = thdot + (((3 * G) / (2 * L)) * Math.sin(th) + (3 / (M * L * L)) * u) * DT;
    newThdot = Math.max(-MAX_SPEED, Math.min(MAX_SPEED, newThdot));
    this.theta = th + newThdot * DT;
    this.thetaDot = newThdot;
    this.steps++;
    this.total -= cost;
    this.result.rewards[0] = -cost;
    this.result.truncations[0] = this.steps >= STEPS ? 1 : 0;
    this.observe();
    return this.result;
  }

  private observe(): void {
    const o = this.result.observations;
    o[0] = Math.cos(this.theta);
    o[1] = Math.sin(this.theta);
    o[2] = this.thetaDot;
  }

  episodeMetrics(): Record<string, number> {
    return { return: this.total, finalAbsAngle: Math.abs(angleNormalize(this.theta)) };
  }

  close(): void {}
}
