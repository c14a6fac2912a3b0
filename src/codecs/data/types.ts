// Types shared by the modality preparers and the manifest.
import type { FileRecord } from './cache.ts';
import type { DataTools, SourceRecord } from './sources.ts';

export type Modality = 'text' | 'image' | 'speech';
export const MODALITIES: readonly Modality[] = ['text', 'image', 'speech'];

/** Everything a modality preparer needs. */
export interface PrepareContext {
  cacheDir: string;
  seed: number;
  tools: DataTools;
  log: (msg: string) => void;
}

/** What one modality's preparation produced; stored in the manifest. */
export interface ModalityEntry {
  /** fingerprint of the options and format version that produced these files */
  fingerprint: string;
  options: unknown;
  sources: SourceRecord[];
  /** counts per split (and per source or class where useful) */
  counts: Record<string, number>;
  files: FileRecord[];
  /** wall-clock seconds the preparation took */
  seconds: number;
  preparedAt: string;
}
