// Tiny stand-ins for the real data sources, generated on the fly so that the data tests need
// neither network nor apt: State of the Union / Brown / WordNet files in their real layouts, a fake
// espeak-ng that "speaks" a tone per word, and 8 kHz Asterisk-like prompts.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav16 } from '../../src/codecs/data/audio.ts';

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `svec-${label}-`));
}

/** Text sources with a few dozen sentences, including duplicates, too-short and too-long ones. */
export function writeTextFixtures(root: string): { sotuDir: string; brownDir: string; wordnetDir: string } {
  const sotuDir = join(root, 'sotu');
  mkdirSync(join(sotuDir, 'data'), { recursive: true });
  const speech = [
    'Mr. Speaker, Mr. President, and distinguished Members of the House and Senate: tonight I report on the state of our Union.',
    'The U.S. Government will keep its promises to every citizen. (Applause.) We must build roads, bridges and schools for our children.',
    'Thank you. God bless America. Our economy grew by 3.5 percent last year, and 1,200,000 new jobs were created across the nation.',
    'Let us work together for a better future. Let us work together for a better future.',
  ];
  writeFileSync(join(sotuDir, 'data', '1990_test_president_x.txt'), speech.join('\n'));
  writeFileSync(join(sotuDir, 'data', '1990_test_president_x.json'), '{}'); // ignored: the .txt is read
  const lines: string[] = [];
  for (let i = 0; i < 40; i++) lines.push(`president number ${i} spoke to the nation about peace and prosperity in the year ${1900 + i}.`);
  writeFileSync(join(sotuDir, 'data', '1991_test_president_y.txt'), lines.join(' '));

  const brownDir = join(root, 'brown');
  mkdirSync(brownDir, { recursive: true });
  writeFileSync(
    join(brownDir, 'ca01'),
    [
      "\n\n\tThe/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at investigation/nn of/in Atlanta's/np$ recent/jj primary/nn election/nn produced/vbd ``/`` no/at evidence/nn ''/'' ./.",
      '\n\n\tThe/at jury/nn said/vbd it/pps did/dod find/vb that/cs ./.',
      '\n\n\tToo/ql short/jj ./.',
      ...Array.from({ length: 30 }, (_, i) => `\n\n\tThe/at clerk/nn filed/vbd report/nn number/nn ${i}/cd with/in the/at court/nn today/nr ./.`),
    ].join(''),
  );
  writeFileSync(join(brownDir, 'README'), 'not a corpus file');

  const wordnetDir = join(root, 'wordnet');
  mkdirSync(wordnetDir, { recursive: true });
  const header = '  1 This software and database is being provided to you, the LICENSEE, by "Princeton University" under the following license.\n';
  const entries = (pos: string) =>
    Array.from({ length: 12 }, (_, i) => `0000${i}00 00 ${pos} 01 word${i} 0 000 | a gloss; "the ${pos} example number ${i} is used in a sentence"; "short one"`).join('\n');
  for (const pos of ['noun', 'verb', 'adj', 'adv']) writeFileSync(join(wordnetDir, `data.${pos}`), header + entries(pos.slice(0, 1)) + '\n');
  return { sotuDir, brownDir, wordnetDir };
}

/**
 * A fake espeak-ng: a Node script that answers --version and otherwise writes a 22.05 kHz WAV of a
 * tone whose pitch depends on the text (so classes differ) and on -p (so voices differ).
 */
export function writeFakeEspeak(root: string): string {
  const path = join(root, 'fake-espeak-ng.mjs');
  writeFileSync(
    path,
    `#!/usr/bin/env node
const args = process.argv.slice(2);
if (args.includes('--version')) { process.stdout.write('eSpeak NG text-to-speech: fake 0.0\\n'); process.exit(0); }
const text = args[args.length - 1];
const pitch = Number(args[args.indexOf('-p') + 1] || 50);
let hash = 0; for (const ch of text) hash = (hash * 31 + ch.charCodeAt(0)) % 1000;
const freq = 250 + (hash % 30) * 100 + pitch;
const rate = 22050, n = Math.round(rate * 0.5), pad = 2000;
const pcm = Buffer.alloc((n + 2 * pad) * 2);
for (let i = 0; i < n; i++) pcm.writeInt16LE(Math.round(12000 * Math.sin(2 * Math.PI * freq * i / rate)), (pad + i) * 2);
const h = Buffer.alloc(44);
h.write('RIFF', 0); h.writeUInt32LE(36 + pcm.length, 4); h.write('WAVE', 8); h.write('fmt ', 12);
h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(rate, 24);
h.writeUInt32LE(rate * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(pcm.length, 40);
process.stdout.write(Buffer.concat([h, pcm]));
`,
  );
  chmodSync(path, 0o755);
  return path;
}

/** An en_US_f_Allison-like folder with 8 kHz prompts for the ten digits. */
export function writeAsteriskFixtures(root: string): string {
  const dir = join(root, 'en_US_f_Allison');
  mkdirSync(join(dir, 'digits'), { recursive: true });
  for (let d = 0; d < 10; d++) {
    const samples = new Float32Array(6000);
    for (let i = 1000; i < 5000; i++) samples[i] = 0.4 * Math.sin((2 * Math.PI * (300 + 100 * d) * i) / 8000);
    writeFileSync(join(dir, 'digits', `${d}.wav`), encodeWav16(samples, 8000));
  }
  return root;
}

/** A program that fails like apt-get does for an unknown package. */
export function writeFailingTool(root: string, name: string, message: string, code: number): string {
  const path = join(root, name);
  writeFileSync(path, `#!/bin/sh\necho "${message}" >&2\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}
