// Large-scale path loss of the spec: PL(dB) = 128.1 + 37.6 log10(dist_km), g = 10^(-PL/10).
// Small-scale Rayleigh fading |u|^2 ~ Exp(1) is drawn by the environment every slot; h = g |u|^2.

/** Path loss in dB at a distance in km. */
export function pathLossDb(distKm: number): number {
  return 128.1 + 37.6 * Math.log10(distKm);
}

/** Large-scale gain g (linear) at a distance in metres. */
export function largeScaleGain(distM: number): number {
  return Math.pow(10, -pathLossDb(distM / 1000) / 10);
}

/** Received SNR in dB for power p (W), gain h and noise power sigma2 (W). */
export function snrDb(p: number, h: number, sigma2: number): number {
  return 10 * Math.log10((p * h) / sigma2);
}
