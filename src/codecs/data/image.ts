// Traffic signs: a GTSRB-like set of the 43 German sign classes at 32×32 RGB, rendered from
// code-drawn signs and Debian-packaged artwork (JOSM, openclipart) with seeded augmentation
// (background, rotation, scale, shear, shift, tint, brightness, contrast, blur, noise).
import { createCanvas, loadImage, type Canvas, type Image } from '@napi-rs/canvas';
import { unzipSync } from 'fflate';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { RandomStream, deriveSeed } from '../../random/stream.ts';
import { canonicalJson, makeScratchDir, readUint8File, recordFile, removeDir, sha256Bytes, writeFileAtomic, writeJsonAtomic, writeTypedArrayAtomic, type FileRecord } from './cache.ts';
import { ARTWORK, GTSRB_CLASSES, SIGN_PAINTERS, paintArtwork, signFontFamily, type ArtworkSpec } from './signs.ts';
import { DataSourceError, fetchDebianPackage, type SourceRecord } from './sources.ts';
import type { Split } from './text.ts';
import type { ModalityEntry, PrepareContext } from './types.ts';

export const IMAGE_SIZE = 32;
const TEMPLATE_SIZE = 128;
/** Samples are drawn at twice the size and halved, which anti-aliases like a camera would. */
const RENDER_SIZE = 64;

export interface ImageSizes {
  trainPerClass: number;
  validationPerClass: number;
  testPerClass: number;
}

// About GTSRB's size: 39,209 training and 12,630 test images.
export const DEFAULT_IMAGE_SIZES: ImageSizes = { trainPerClass: 900, validationPerClass: 90, testPerClass: 300 };

export interface ImageOptions {
  sizes?: Partial<ImageSizes>;
  /** false: code-drawn signs only (no Debian artwork; used by tests and as a fallback) */
  artwork?: boolean;
  /** folders instead of fetching: josm.jar's path and openclipart's svg/ root */
  josmJar?: string;
  openclipartDir?: string;
}

/** One rendered sign on a transparent TEMPLATE_SIZE square, with where it came from. */
export interface SignTemplate {
  classId: number;
  style: string;
  canvas: Canvas;
}

function newTemplateCanvas(): { canvas: Canvas; ctx: ReturnType<Canvas['getContext']> } {
  const canvas = createCanvas(TEMPLATE_SIZE, TEMPLATE_SIZE);
  const ctx = canvas.getContext('2d');
  ctx.translate(TEMPLATE_SIZE / 2, TEMPLATE_SIZE / 2);
  ctx.scale(TEMPLATE_SIZE / 2 - 2, TEMPLATE_SIZE / 2 - 2);
  return { canvas, ctx };
}

/** Code-drawn templates for every class. */
export function codeTemplates(): SignTemplate[] {
  return SIGN_PAINTERS.map((paint, classId) => {
    const { canvas, ctx } = newTemplateCanvas();
    paint(ctx);
    return { classId, style: 'code', canvas };
  });
}

/** Templates from artwork; each spec's SVG bytes come from `read`, which returns null when absent. */
export async function artworkTemplates(read: (spec: ArtworkSpec) => Uint8Array | null, log: (msg: string) => void): Promise<SignTemplate[]> {
  const templates: SignTemplate[] = [];
  for (const spec of ARTWORK) {
    const bytes = read(spec);
    if (!bytes) {
      log(`image: artwork ${spec.source}:${spec.path} not found; class ${spec.classId} uses code-drawn signs only`);
      continue;
    }
    let image: Image;
    try {
      image = await loadImage(Buffer.from(bytes));
    } catch (error) {
      log(`image: could not render ${spec.source}:${spec.path} (${String(error)}); skipped`);
      continue;
    }
    const { canvas, ctx } = newTemplateCanvas();
    paintArtwork(ctx, spec, cropToContent(image));
    templates.push({ classId: spec.classId, style: `${spec.source}:${spec.path.split('/').pop()}${spec.mirror ? ':mirrored' : ''}`, canvas });
  }
  return templates;
}

/**
 * Crops an artwork to the bounding box of its visible pixels (clip-art files often put a small
 * sign in a large page), rendered at 256 px on the long side.
 */
function cropToContent(image: Image): Canvas {
  const long = 256;
  const scale = long / Math.max(image.width, image.height);
  const w = Math.max(1, Math.round(image.width * scale));
  const h = Math.max(1, Math.round(image.height * scale));
  const full = createCanvas(w, h);
  const fctx = full.getContext('2d');
  fctx.drawImage(image, 0, 0, w, h);
  const alpha = fctx.getImageData(0, 0, w, h).data;
  let [x0, y0, x1, y1] = [w, h, -1, -1];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (alpha[(y * w + x) * 4 + 3]! > 24) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < x0) return full;
  const cropped = createCanvas(x1 - x0 + 1, y1 - y0 + 1);
  cropped.getContext('2d').drawImage(full, x0, y0, cropped.width, cropped.height, 0, 0, cropped.width, cropped.height);
  return cropped;
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** Muted scene colours: sky, foliage, walls, asphalt. */
function sceneColor(rng: RandomStream): [number, number, number] {
  const palettes: [number, number, number][] = [[120, 150, 190], [70, 100, 60], [140, 130, 110], [90, 90, 95], [180, 180, 170], [40, 50, 45], [160, 120, 90]];
  const base = palettes[rng.int(palettes.length)]!;
  return base.map((c) => clampByte(c + rng.normal() * 25)) as [number, number, number];
}

function rgb(c: readonly number[]): string {
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Separable Gaussian blur of an RGBA buffer in place (alpha ignored). */
function blurRgba(data: Uint8ClampedArray, size: number, sigma: number): void {
  if (sigma <= 0.05) return;
  const radius = Math.ceil(2.5 * sigma);
  const kernel: number[] = [];
  let total = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp(-(i * i) / (2 * sigma * sigma));
    kernel.push(w);
    total += w;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= total;
  const tmp = new Float32Array(size * size * 3);
  for (let pass = 0; pass < 2; pass++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let k = -radius; k <= radius; k++) {
            const xx = pass === 0 ? Math.min(size - 1, Math.max(0, x + k)) : x;
            const yy = pass === 1 ? Math.min(size - 1, Math.max(0, y + k)) : y;
            sum += kernel[k + radius]! * (pass === 0 ? data[(yy * size + xx) * 4 + c]! : tmp[(yy * size + xx) * 3 + c]!);
          }
          if (pass === 0) tmp[(y * size + x) * 3 + c] = sum;
          else data[(y * size + x) * 4 + c] = sum;
        }
      }
    }
  }
}

/** The augmentation parameters of one sample (recorded for the first samples in the header). */
export interface Augmentation {
  template: number;
  rotationDeg: number;
  scale: number;
  shearX: number;
  shiftX: number;
  shiftY: number;
  tint: [number, number, number];
  brightness: number;
  contrast: number;
  blurSigma: number;
  noiseSigma: number;
}

export function drawAugmentation(rng: RandomStream, templateCount: number): Augmentation {
  return {
    template: rng.int(templateCount),
    rotationDeg: rng.normal() * 6,
    scale: rng.uniformIn(0.62, 0.92),
    shearX: rng.uniformIn(-0.15, 0.15),
    shiftX: rng.uniformIn(-0.08, 0.08),
    shiftY: rng.uniformIn(-0.08, 0.08),
    tint: [rng.uniformIn(0.85, 1.12), rng.uniformIn(0.85, 1.12), rng.uniformIn(0.85, 1.12)],
    // GTSRB is full of dark, low-contrast shots: brightness is log-normal around 0.85.
    brightness: Math.min(1.6, Math.max(0.22, 0.85 * Math.exp(rng.normal() * 0.4))),
    contrast: rng.uniformIn(0.6, 1.15),
    blurSigma: rng.uniform() < 0.35 ? 0 : rng.uniformIn(0.2, 1.1),
    noiseSigma: rng.uniformIn(0, 10),
  };
}

/**
 * Renders one 32×32 RGB sample (HWC bytes) of a class: a random background, the sign template
 * under a random affine transform, then tint, brightness/contrast, blur and noise.
 */
export function renderSample(templates: readonly SignTemplate[], rng: RandomStream, out: Uint8Array, offset: number, scratch: Canvas): Augmentation {
  const aug = drawAugmentation(rng, templates.length);
  const ctx = scratch.getContext('2d');
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  const S = RENDER_SIZE;
  // background: a gradient (sky to ground) or a solid colour, plus a few blocks (buildings, trees)
  if (rng.uniform() < 0.5) {
    const gradient = ctx.createLinearGradient(0, 0, rng.uniformIn(-S / 2, S / 2), S);
    gradient.addColorStop(0, rgb(sceneColor(rng)));
    gradient.addColorStop(1, rgb(sceneColor(rng)));
    ctx.fillStyle = gradient;
  } else {
    ctx.fillStyle = rgb(sceneColor(rng));
  }
  ctx.fillRect(0, 0, S, S);
  const blocks = rng.int(4);
  for (let i = 0; i < blocks; i++) {
    ctx.fillStyle = rgb(sceneColor(rng));
    ctx.fillRect(rng.uniformIn(-S / 2, S), rng.uniformIn(-S / 2, S), rng.uniformIn(S / 6, S), rng.uniformIn(S / 6, S));
  }
  // sign
  const template = templates[aug.template]!;
  ctx.save();
  ctx.translate(S / 2 + aug.shiftX * S, S / 2 + aug.shiftY * S);
  ctx.rotate((aug.rotationDeg * Math.PI) / 180);
  ctx.transform(1, 0, aug.shearX, 1, 0, 0);
  const size = aug.scale * S;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(template.canvas, -size / 2, -size / 2, size, size);
  ctx.restore();
  // halve to 32×32
  const small = createCanvas(IMAGE_SIZE, IMAGE_SIZE);
  const sctx = small.getContext('2d');
  sctx.imageSmoothingEnabled = true;
  sctx.imageSmoothingQuality = 'high';
  sctx.drawImage(scratch, 0, 0, IMAGE_SIZE, IMAGE_SIZE);
  const pixels = sctx.getImageData(0, 0, IMAGE_SIZE, IMAGE_SIZE);
  blurRgba(pixels.data, IMAGE_SIZE, aug.blurSigma);
  const data = pixels.data;
  for (let p = 0; p < IMAGE_SIZE * IMAGE_SIZE; p++) {
    for (let c = 0; c < 3; c++) {
      const v = data[p * 4 + c]! * aug.tint[c]!;
      const adjusted = ((v - 128) * aug.contrast + 128) * aug.brightness + rng.normal() * aug.noiseSigma;
      out[offset + p * 3 + c] = clampByte(adjusted);
    }
  }
  return aug;
}

/** A stream for one sample, independent of every other sample (order-free and reproducible). */
const SPLIT_SALT: Record<Split, number> = { train: 101, validation: 202, test: 303 };

function sampleStream(seed: number, split: Split, index: number): RandomStream {
  return new RandomStream(xoroshiro128plus(deriveSeed(deriveSeed(seed, SPLIT_SALT[split]), index)));
}

export interface ImageHeader {
  format: 'svec-image-u8-v1';
  classes: readonly string[];
  height: number;
  width: number;
  channels: 3;
  layout: 'NHWC';
  /** per split: count and files (pixels: Uint8 N×H×W×C; labels: Uint8 N) */
  splits: Record<Split, { count: number; pixels: string; labels: string }>;
  /** the sign templates per class: 'code' or the artwork file */
  styles: Record<number, string[]>;
  font: string;
  /** augmentation of the first training samples, to show what the ranges mean */
  exampleAugmentations: (Augmentation & { label: number })[];
  contactSheet: string;
}

// Bump when rendering changes, so that caches made by older code are prepared again.
const IMAGE_FORMAT_VERSION = 2;

export function imageFingerprint(seed: number, options: ImageOptions): { fingerprint: string; resolved: unknown } {
  const resolved = {
    version: IMAGE_FORMAT_VERSION,
    seed,
    sizes: { ...DEFAULT_IMAGE_SIZES, ...options.sizes },
    artwork: options.artwork ?? true,
    josmJar: options.josmJar ?? null,
    openclipartDir: options.openclipartDir ?? null,
  };
  return { fingerprint: sha256Bytes(canonicalJson(resolved)), resolved };
}

async function loadArtwork(ctx: PrepareContext, options: ImageOptions, scratch: string, sources: SourceRecord[]): Promise<SignTemplate[]> {
  let josmJar = options.josmJar;
  let openclipartDir = options.openclipartDir;
  if (!josmJar) {
    ctx.log('image: fetching josm (sign artwork inside its jar)');
    const fetched = await fetchDebianPackage('josm', ctx.cacheDir, join(scratch, 'josm'), ctx.tools, ctx.log);
    sources.push(fetched.record);
    josmJar = join(fetched.dir, 'usr/share/josm/josm.jar');
  } else sources.push({ kind: 'local', name: 'josm.jar', version: josmJar, sha256: '' });
  if (!openclipartDir) {
    ctx.log('image: fetching openclipart-svg');
    const fetched = await fetchDebianPackage('openclipart-svg', ctx.cacheDir, join(scratch, 'openclipart'), ctx.tools, ctx.log);
    sources.push(fetched.record);
    openclipartDir = join(fetched.dir, 'usr/share/openclipart/svg');
  } else sources.push({ kind: 'local', name: 'openclipart svg', version: openclipartDir, sha256: '' });
  if (!existsSync(josmJar)) throw new DataSourceError(`josm.jar not found at ${josmJar}; the Debian package 'josm' may have changed layout`);
  const wanted = new Set(ARTWORK.filter((a) => a.source === 'josm').map((a) => a.path));
  const jarFiles = unzipSync(new Uint8Array(readFileSync(josmJar)), { filter: (file) => wanted.has(file.name) });
  const clipDir = openclipartDir;
  return artworkTemplates((spec) => {
    if (spec.source === 'josm') return jarFiles[spec.path] ?? null;
    const path = join(clipDir, spec.path);
    return existsSync(path) ? new Uint8Array(readFileSync(path)) : null;
  }, ctx.log);
}

export async function prepareImages(ctx: PrepareContext, options: ImageOptions): Promise<ModalityEntry> {
  const started = Date.now();
  const sizes: ImageSizes = { ...DEFAULT_IMAGE_SIZES, ...options.sizes };
  const { fingerprint, resolved } = imageFingerprint(ctx.seed, options);
  const sources: SourceRecord[] = [];
  const scratch = makeScratchDir(ctx.cacheDir, 'image');
  try {
    const templates = codeTemplates();
    if (options.artwork ?? true) templates.push(...(await loadArtwork(ctx, options, scratch, sources)));
    const byClass: SignTemplate[][] = GTSRB_CLASSES.map((_, classId) => templates.filter((t) => t.classId === classId));
    const dir = join(ctx.cacheDir, 'image');
    const files: FileRecord[] = [];
    const header: ImageHeader = {
      format: 'svec-image-u8-v1',
      classes: GTSRB_CLASSES,
      height: IMAGE_SIZE,
      width: IMAGE_SIZE,
      channels: 3,
      layout: 'NHWC',
      splits: {} as ImageHeader['splits'],
      styles: Object.fromEntries(byClass.map((list, classId) => [classId, list.map((t) => t.style)])),
      font: signFontFamily(),
      exampleAugmentations: [],
      contactSheet: 'contact-sheet.png',
    };
    const counts: Record<string, number> = { classes: GTSRB_CLASSES.length, artworkTemplates: templates.length - GTSRB_CLASSES.length };
    const render = createCanvas(RENDER_SIZE, RENDER_SIZE);
    const bytesPerImage = IMAGE_SIZE * IMAGE_SIZE * 3;
    const sheetSamples: Uint8Array[][] = GTSRB_CLASSES.map(() => []);
    for (const [split, perClass] of [['train', sizes.trainPerClass], ['validation', sizes.validationPerClass], ['test', sizes.testPerClass]] as [Split, number][]) {
      const count = perClass * GTSRB_CLASSES.length;
      // class-interleaved order, then a seeded shuffle: batches are class-balanced on average
      const order = Array.from({ length: count }, (_, i) => i % GTSRB_CLASSES.length);
      new RandomStream(xoroshiro128plus(deriveSeed(ctx.seed, SPLIT_SALT[split] + 1))).shuffle(order);
      const labels = Uint8Array.from(order);
      const pixels = new Uint8Array(count * bytesPerImage);
      for (let i = 0; i < count; i++) {
        const label = labels[i]!;
        const aug = renderSample(byClass[label]!, sampleStream(ctx.seed, split, i), pixels, i * bytesPerImage, render);
        if (split === 'train' && header.exampleAugmentations.length < 5) header.exampleAugmentations.push({ ...aug, label });
        if (split === 'train' && sheetSamples[label]!.length < 10) sheetSamples[label]!.push(pixels.subarray(i * bytesPerImage, (i + 1) * bytesPerImage));
        if ((i + 1) % 5000 === 0) ctx.log(`image: ${split} ${i + 1}/${count}`);
      }
      const names = { pixels: `${split}.pixels.u8`, labels: `${split}.labels.u8` };
      writeTypedArrayAtomic(join(dir, names.pixels), pixels);
      writeTypedArrayAtomic(join(dir, names.labels), labels);
      header.splits[split] = { count, ...names };
      counts[split] = count;
      for (const name of Object.values(names)) files.push(recordFile(ctx.cacheDir, `image/${name}`));
    }
    writeFileAtomic(join(dir, header.contactSheet), contactSheet(sheetSamples, byClass));
    files.push(recordFile(ctx.cacheDir, `image/${header.contactSheet}`));
    writeJsonAtomic(join(dir, 'header.json'), header);
    files.push(recordFile(ctx.cacheDir, 'image/header.json'));
    return { fingerprint, options: resolved, sources, counts, files, seconds: (Date.now() - started) / 1000, preparedAt: new Date().toISOString() };
  } finally {
    removeDir(scratch);
  }
}

/** A PNG with one row per class: its templates at 32×32, then training samples, all scaled ×3. */
export function contactSheet(samples: Uint8Array[][], templatesByClass: SignTemplate[][]): Uint8Array {
  const zoom = 3;
  const cell = IMAGE_SIZE * zoom + 4;
  const labelWidth = 36;
  const templateColumns = Math.max(1, ...templatesByClass.map((t) => t.length));
  const sampleColumns = Math.max(1, ...samples.map((s) => s.length));
  const canvas = createCanvas(labelWidth + (templateColumns + sampleColumns) * cell + 12, samples.length * cell);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const tile = createCanvas(IMAGE_SIZE, IMAGE_SIZE);
  const tctx = tile.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  samples.forEach((row, classId) => {
    const y = classId * cell + 2;
    ctx.fillStyle = '#000000';
    ctx.font = `14px "${signFontFamily()}"`;
    ctx.fillText(String(classId), 4, y + cell / 2 + 4);
    templatesByClass[classId]!.forEach((template, j) => {
      ctx.fillStyle = '#dddddd';
      ctx.fillRect(labelWidth + j * cell, y, IMAGE_SIZE * zoom, IMAGE_SIZE * zoom);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(template.canvas, labelWidth + j * cell, y, IMAGE_SIZE * zoom, IMAGE_SIZE * zoom);
      ctx.imageSmoothingEnabled = false;
    });
    row.forEach((pixels, j) => {
      const image = tctx.createImageData(IMAGE_SIZE, IMAGE_SIZE);
      for (let p = 0; p < IMAGE_SIZE * IMAGE_SIZE; p++) {
        image.data[p * 4] = pixels[p * 3]!;
        image.data[p * 4 + 1] = pixels[p * 3 + 1]!;
        image.data[p * 4 + 2] = pixels[p * 3 + 2]!;
        image.data[p * 4 + 3] = 255;
      }
      tctx.putImageData(image, 0, 0);
      ctx.drawImage(tile, labelWidth + 12 + (templateColumns + j) * cell, y, IMAGE_SIZE * zoom, IMAGE_SIZE * zoom);
    });
  });
  return canvas.toBuffer('image/png');
}

/** One split of the prepared image set. */
export interface ImageSplitData {
  header: ImageHeader;
  count: number;
  /** count × 32 × 32 × 3 bytes, NHWC */
  pixels: Uint8Array;
  labels: Uint8Array;
}

export function loadImageSplit(cacheDir: string, split: Split): ImageSplitData {
  const dir = join(cacheDir, 'image');
  const headerPath = join(dir, 'header.json');
  if (!existsSync(headerPath)) throw new Error(`no prepared image data in ${cacheDir}; run 'svec data prepare' first`);
  const header = JSON.parse(readFileSync(headerPath, 'utf8')) as ImageHeader;
  const info = header.splits[split];
  return { header, count: info.count, pixels: readUint8File(join(dir, info.pixels)), labels: readUint8File(join(dir, info.labels)) };
}
