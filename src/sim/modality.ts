// Task modalities. Inside the simulator a modality is a small integer (typed arrays stay numeric);
// at every interface (configs, JSON, tables) it is its name.
export const MODALITIES = ['text', 'image', 'speech'] as const;
export type ModalityName = (typeof MODALITIES)[number];
/** 0 = text, 1 = image, 2 = speech */
export type Modality = 0 | 1 | 2;

export function modalityIndex(name: string): Modality {
  const index = MODALITIES.indexOf(name as ModalityName);
  if (index < 0) throw new Error(`unknown modality '${name}' (expected one of ${MODALITIES.join(', ')})`);
  return index as Modality;
}

/** Per-modality numbers as a typed array indexed by Modality. */
export function perModalityArray(values: Record<ModalityName, number>): Float64Array {
  return Float64Array.from(MODALITIES.map((m) => values[m]));
}
