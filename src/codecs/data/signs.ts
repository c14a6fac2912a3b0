// The 43 German traffic-sign classes of GTSRB, each drawn in code on a transparent square
// (shapes, colours and pictograms after the StVO signs), plus the public-domain artwork from
// Debian packages that can stand in for some classes.
import { GlobalFonts, type SKRSContext2D, type Canvas } from '@napi-rs/canvas';

/** GTSRB's 43 classes, in GTSRB's class-id order and with its usual names. */
export const GTSRB_CLASSES = [
  'Speed limit (20km/h)', 'Speed limit (30km/h)', 'Speed limit (50km/h)', 'Speed limit (60km/h)', 'Speed limit (70km/h)',
  'Speed limit (80km/h)', 'End of speed limit (80km/h)', 'Speed limit (100km/h)', 'Speed limit (120km/h)', 'No passing',
  'No passing for vehicles over 3.5 metric tons', 'Right-of-way at the next intersection', 'Priority road', 'Yield', 'Stop',
  'No vehicles', 'Vehicles over 3.5 metric tons prohibited', 'No entry', 'General caution', 'Dangerous curve to the left',
  'Dangerous curve to the right', 'Double curve', 'Bumpy road', 'Slippery road', 'Road narrows on the right',
  'Road work', 'Traffic signals', 'Pedestrians', 'Children crossing', 'Bicycles crossing',
  'Beware of ice/snow', 'Wild animals crossing', 'End of all speed and passing limits', 'Turn right ahead', 'Turn left ahead',
  'Ahead only', 'Go straight or right', 'Go straight or left', 'Keep right', 'Keep left',
  'Roundabout mandatory', 'End of no passing', 'End of no passing by vehicles over 3.5 metric tons',
] as const;

export const SIGN_RED = '#c1121c';
export const SIGN_BLUE = '#1f4e9c';
export const SIGN_YELLOW = '#f4c400';
const BLACK = '#111111';
const WHITE = '#f7f7f7';
const GREY = '#777777';

/** The font for speed-limit numbers; DejaVu Sans ships with Debian's fonts-dejavu-core. */
export function signFontFamily(): string {
  return GlobalFonts.has('DejaVu Sans') ? 'DejaVu Sans' : 'sans-serif';
}

type Ctx = SKRSContext2D;
/** Draws one sign centred at (0, 0) with radius 1 (the caller scales). */
type SignPainter = (ctx: Ctx) => void;

function disk(ctx: Ctx, r: number, fill: string): void {
  ctx.beginPath();
  ctx.arc(0, 0, r, 0, 2 * Math.PI);
  ctx.fillStyle = fill;
  ctx.fill();
}

/** White disk with a red ring: the prohibitory sign. */
function prohibitory(ctx: Ctx): void {
  disk(ctx, 1, SIGN_RED);
  disk(ctx, 0.78, WHITE);
}

/** White disk with a thin dark ring: the "end of" signs. */
function endDisk(ctx: Ctx): void {
  disk(ctx, 1, '#333333');
  disk(ctx, 0.95, WHITE);
}

function endStripes(ctx: Ctx, count: number, width: number): void {
  ctx.save();
  ctx.beginPath();
  ctx.arc(0, 0, 0.95, 0, 2 * Math.PI);
  ctx.clip();
  ctx.rotate(-Math.PI / 4);
  ctx.fillStyle = BLACK;
  const step = count === 1 ? 0 : 0.5 / (count - 1);
  for (let i = 0; i < count; i++) ctx.fillRect(-1, -0.25 + i * step - width / 2, 2, width);
  ctx.restore();
}

function number(ctx: Ctx, text: string, color: string, height = 0.95): void {
  ctx.save();
  ctx.fillStyle = color;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.font = `bold ${height}px "${signFontFamily()}"`;
  const width = ctx.measureText(text).width;
  const squeeze = Math.min(0.8, 1.3 / Math.max(width, 1e-6)); // narrow like the DIN 1451 sign font
  ctx.scale(squeeze, 1);
  ctx.fillText(text, 0, 0.04);
  ctx.restore();
}

function regularPolygon(ctx: Ctx, sides: number, r: number, rotation: number): void {
  ctx.beginPath();
  for (let i = 0; i < sides; i++) {
    const a = rotation + (2 * Math.PI * i) / sides;
    if (i === 0) ctx.moveTo(r * Math.cos(a), r * Math.sin(a));
    else ctx.lineTo(r * Math.cos(a), r * Math.sin(a));
  }
  ctx.closePath();
}

function roundedTriangle(ctx: Ctx, r: number, pointUp: boolean, fill: string): void {
  ctx.save();
  ctx.lineJoin = 'round';
  ctx.lineWidth = 0.12 * r;
  regularPolygon(ctx, 3, r * 0.94, pointUp ? -Math.PI / 2 : Math.PI / 2);
  ctx.fillStyle = fill;
  ctx.strokeStyle = fill;
  ctx.fill();
  ctx.stroke();
  ctx.restore();
}

/** Red-bordered white triangle with the pictogram drawn in its lower middle. */
function warning(pictogram: (ctx: Ctx) => void): SignPainter {
  return (ctx) => {
    ctx.translate(0, 0.12);
    roundedTriangle(ctx, 1.08, true, SIGN_RED);
    roundedTriangle(ctx, 0.74, true, WHITE);
    ctx.save();
    ctx.translate(0, 0.08);
    ctx.scale(0.47, 0.47);
    ctx.fillStyle = BLACK;
    ctx.strokeStyle = BLACK;
    pictogram(ctx);
    ctx.restore();
  };
}

/** Blue disk with a white pictogram. */
function mandatory(pictogram: (ctx: Ctx) => void): SignPainter {
  return (ctx) => {
    disk(ctx, 1, WHITE);
    disk(ctx, 0.95, SIGN_BLUE);
    ctx.save();
    ctx.fillStyle = WHITE;
    ctx.strokeStyle = WHITE;
    pictogram(ctx);
    ctx.restore();
  };
}

// ----- pictograms, drawn in a unit box around (0, 0) -----

/** A thick arrow along a polyline, head at the last point. */
function arrow(ctx: Ctx, points: [number, number][], width: number, head: number): void {
  const n = points.length;
  const [x1, y1] = points[n - 2]!;
  const [x2, y2] = points[n - 1]!;
  const angle = Math.atan2(y2 - y1, x2 - x1);
  const shaftEnd: [number, number] = [x2 - head * 0.8 * Math.cos(angle), y2 - head * 0.8 * Math.sin(angle)];
  ctx.save();
  ctx.lineWidth = width;
  ctx.lineJoin = 'round';
  ctx.lineCap = 'butt';
  ctx.beginPath();
  ctx.moveTo(points[0]![0], points[0]![1]);
  for (let i = 1; i < n - 1; i++) ctx.lineTo(points[i]![0], points[i]![1]);
  ctx.lineTo(shaftEnd[0], shaftEnd[1]);
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(x2, y2);
  ctx.lineTo(x2 - head * Math.cos(angle - 0.6), y2 - head * Math.sin(angle - 0.6));
  ctx.lineTo(x2 - head * Math.cos(angle + 0.6), y2 - head * Math.sin(angle + 0.6));
  ctx.closePath();
  ctx.fill();
  ctx.restore();
}

function car(ctx: Ctx, color: string, x: number, y: number, s: number): void {
  ctx.save();
  ctx.translate(x, y);
  ctx.scale(s, s);
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.roundRect(-0.5, -0.15, 1, 0.45, 0.08); // body seen from behind
  ctx.fill();
  ctx.beginPath();
  ctx.moveTo(-0.36, -0.15);
  ctx.lineTo(-0.26, -0.5);
  ctx.lineTo(0.26, -0.5);
  ctx.lineTo(0.36, -0.15);
  ctx.closePath();
  ctx.fill();
  ctx.fillRect(-0.46, 0.28, 0.2, 0.2);
  ctx.fillRect(0.26, 0.28, 0.2, 0.2);
  ctx.fillStyle = WHITE;
  ctx.fillRect(-0.22, -0.42, 0.44, 0.22);
  ctx.restore();
}

function truck(ctx: Ctx, color: string, x: number, y: number, s: number): void {
  ctx.save();
  ctx.translate(x, y);
  ctx.scale(s, s);
  ctx.fillStyle = color;
  ctx.fillRect(-0.75, -0.5, 1.05, 0.7); // cargo box, side view
  ctx.beginPath();
  ctx.moveTo(0.35, 0.2);
  ctx.lineTo(0.35, -0.3);
  ctx.lineTo(0.6, -0.3);
  ctx.lineTo(0.78, -0.05);
  ctx.lineTo(0.78, 0.2);
  ctx.closePath();
  ctx.fill();
  for (const wx of [-0.5, -0.25, 0.55]) {
    ctx.beginPath();
    ctx.arc(wx, 0.27, 0.13, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.restore();
}

function person(ctx: Ctx, x: number, y: number, s: number, stride: number): void {
  ctx.save();
  ctx.translate(x, y);
  ctx.scale(s, s);
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.lineWidth = 0.2;
  ctx.beginPath();
  ctx.arc(0.05, -0.78, 0.16, 0, 2 * Math.PI);
  ctx.fill();
  ctx.beginPath();
  ctx.moveTo(0, -0.55);
  ctx.lineTo(-0.05, 0.1); // torso
  ctx.moveTo(-0.05, 0.1);
  ctx.lineTo(-0.35 * stride, 0.85); // legs
  ctx.moveTo(-0.05, 0.1);
  ctx.lineTo(0.35 * stride, 0.85);
  ctx.moveTo(0, -0.4);
  ctx.lineTo(-0.35 * stride, 0.0); // arms
  ctx.moveTo(0, -0.4);
  ctx.lineTo(0.3 * stride, -0.05);
  ctx.stroke();
  ctx.restore();
}

function bicycle(ctx: Ctx): void {
  ctx.save();
  ctx.lineWidth = 0.12;
  for (const x of [-0.5, 0.5]) {
    ctx.beginPath();
    ctx.arc(x, 0.3, 0.32, 0, 2 * Math.PI);
    ctx.stroke();
  }
  ctx.beginPath();
  ctx.moveTo(-0.5, 0.3);
  ctx.lineTo(-0.15, -0.2);
  ctx.lineTo(0.3, -0.2);
  ctx.lineTo(0.5, 0.3);
  ctx.moveTo(-0.15, -0.2);
  ctx.lineTo(0.05, 0.3);
  ctx.lineTo(0.3, -0.2);
  ctx.moveTo(-0.22, -0.32);
  ctx.lineTo(-0.02, -0.32);
  ctx.moveTo(0.3, -0.2);
  ctx.lineTo(0.25, -0.42);
  ctx.stroke();
  ctx.restore();
}

function snowflake(ctx: Ctx): void {
  ctx.save();
  ctx.lineWidth = 0.1;
  ctx.lineCap = 'round';
  for (let i = 0; i < 6; i++) {
    ctx.save();
    ctx.rotate((i * Math.PI) / 3);
    ctx.beginPath();
    ctx.moveTo(0, 0);
    ctx.lineTo(0, -0.8);
    ctx.moveTo(0, -0.45);
    ctx.lineTo(-0.2, -0.62);
    ctx.moveTo(0, -0.45);
    ctx.lineTo(0.2, -0.62);
    ctx.stroke();
    ctx.restore();
  }
  ctx.restore();
}

function deer(ctx: Ctx): void {
  ctx.save();
  ctx.beginPath(); // leaping deer facing left
  ctx.moveTo(-0.75, -0.45);
  ctx.lineTo(-0.55, -0.6);
  ctx.lineTo(-0.45, -0.35);
  ctx.lineTo(0.35, -0.2);
  ctx.lineTo(0.6, -0.35);
  ctx.lineTo(0.55, -0.15);
  ctx.lineTo(0.75, 0.35);
  ctx.lineTo(0.6, 0.4);
  ctx.lineTo(0.35, 0.05);
  ctx.lineTo(-0.25, 0.1);
  ctx.lineTo(-0.65, 0.45);
  ctx.lineTo(-0.75, 0.38);
  ctx.lineTo(-0.45, 0.0);
  ctx.lineTo(-0.55, -0.3);
  ctx.lineTo(-0.8, -0.35);
  ctx.closePath();
  ctx.fill();
  ctx.lineWidth = 0.07;
  ctx.beginPath(); // antlers
  ctx.moveTo(-0.55, -0.6);
  ctx.lineTo(-0.5, -0.85);
  ctx.moveTo(-0.52, -0.75);
  ctx.lineTo(-0.35, -0.85);
  ctx.stroke();
  ctx.restore();
}

function roadWorker(ctx: Ctx): void {
  person(ctx, -0.15, -0.05, 0.8, 0.8);
  ctx.save();
  ctx.lineWidth = 0.1;
  ctx.beginPath(); // shovel
  ctx.moveTo(0.1, -0.4);
  ctx.lineTo(0.55, 0.45);
  ctx.stroke();
  ctx.beginPath(); // heap
  ctx.moveTo(0.35, 0.75);
  ctx.quadraticCurveTo(0.6, 0.35, 0.9, 0.75);
  ctx.closePath();
  ctx.fill();
  ctx.restore();
}

function trafficLight(ctx: Ctx): void {
  ctx.save();
  ctx.fillStyle = BLACK;
  ctx.beginPath();
  ctx.roundRect(-0.3, -0.85, 0.6, 1.7, 0.12);
  ctx.fill();
  for (const [y, c] of [[-0.55, '#e0201b'], [0, '#f2b705'], [0.55, '#1f9e3a']] as const) {
    ctx.beginPath();
    ctx.arc(0, y, 0.2, 0, 2 * Math.PI);
    ctx.fillStyle = c;
    ctx.fill();
  }
  ctx.restore();
}

function curve(ctx: Ctx, toLeft: boolean): void {
  const s = toLeft ? -1 : 1;
  arrow(ctx, [[-0.15 * s, 0.85], [-0.15 * s, 0.1], [0.0, -0.35], [0.45 * s, -0.65]], 0.22, 0.42);
}

function doubleCurve(ctx: Ctx): void {
  ctx.save();
  ctx.lineWidth = 0.22;
  ctx.beginPath();
  ctx.moveTo(0.15, 0.85);
  ctx.bezierCurveTo(0.15, 0.35, -0.45, 0.35, -0.35, -0.05);
  ctx.bezierCurveTo(-0.25, -0.4, 0.3, -0.35, 0.25, -0.6);
  ctx.stroke();
  ctx.restore();
  arrow(ctx, [[0.25, -0.45], [0.2, -0.9]], 0.22, 0.38);
}

function bumps(ctx: Ctx): void {
  ctx.save();
  ctx.beginPath();
  ctx.moveTo(-0.9, 0.45);
  ctx.arc(-0.4, 0.45, 0.38, Math.PI, 0);
  ctx.arc(0.4, 0.45, 0.38, Math.PI, 0);
  ctx.lineTo(0.9, 0.6);
  ctx.lineTo(-0.9, 0.6);
  ctx.closePath();
  ctx.fill();
  ctx.restore();
}

function slippery(ctx: Ctx): void {
  car(ctx, BLACK, 0, -0.3, 0.8);
  ctx.save();
  ctx.lineWidth = 0.09;
  for (const x of [-0.35, 0.35]) {
    ctx.beginPath();
    ctx.moveTo(x, 0.15);
    ctx.bezierCurveTo(x + 0.3, 0.35, x - 0.3, 0.55, x, 0.85);
    ctx.stroke();
  }
  ctx.restore();
}

function narrowsRight(ctx: Ctx): void {
  ctx.save();
  ctx.lineWidth = 0.16;
  ctx.beginPath();
  ctx.moveTo(-0.35, 0.85);
  ctx.lineTo(-0.35, -0.85);
  ctx.moveTo(0.45, 0.85);
  ctx.lineTo(0.45, 0.2);
  ctx.lineTo(0.1, -0.2);
  ctx.lineTo(0.1, -0.85);
  ctx.stroke();
  ctx.restore();
}

function exclamation(ctx: Ctx): void {
  ctx.beginPath();
  ctx.moveTo(-0.14, -0.85);
  ctx.lineTo(0.14, -0.85);
  ctx.lineTo(0.07, 0.35);
  ctx.lineTo(-0.07, 0.35);
  ctx.closePath();
  ctx.fill();
  ctx.beginPath();
  ctx.arc(0, 0.65, 0.15, 0, 2 * Math.PI);
  ctx.fill();
}

function crossroads(ctx: Ctx): void {
  ctx.fillRect(-0.13, -0.9, 0.26, 1.75);
  ctx.fillRect(-0.7, -0.25, 1.4, 0.16);
}

function roundaboutArrows(ctx: Ctx): void {
  ctx.save();
  ctx.lineWidth = 0.16;
  for (let i = 0; i < 3; i++) {
    const a0 = (i * 2 * Math.PI) / 3 - Math.PI / 2;
    const a1 = a0 - 1.35; // counter-clockwise, as driven in Germany
    ctx.beginPath();
    ctx.arc(0, 0, 0.48, a0, a1 + 0.35, true);
    ctx.stroke();
    const hx = 0.48 * Math.cos(a1);
    const hy = 0.48 * Math.sin(a1);
    const tangent = a1 - Math.PI / 2;
    ctx.beginPath();
    ctx.moveTo(hx + 0.16 * Math.cos(tangent), hy + 0.16 * Math.sin(tangent));
    ctx.lineTo(hx + 0.22 * Math.cos(tangent + 2.2), hy + 0.22 * Math.sin(tangent + 2.2));
    ctx.lineTo(hx + 0.22 * Math.cos(tangent - 2.2), hy + 0.22 * Math.sin(tangent - 2.2));
    ctx.closePath();
    ctx.fill();
  }
  ctx.restore();
}

function speedLimit(value: string): SignPainter {
  return (ctx) => {
    prohibitory(ctx);
    number(ctx, value, BLACK);
  };
}

/** Code-drawn painters, one per GTSRB class id. */
export const SIGN_PAINTERS: readonly SignPainter[] = [
  speedLimit('20'), speedLimit('30'), speedLimit('50'), speedLimit('60'), speedLimit('70'), speedLimit('80'),
  (ctx) => {
    endDisk(ctx);
    number(ctx, '80', GREY);
    endStripes(ctx, 1, 0.12);
  },
  speedLimit('100'), speedLimit('120'),
  (ctx) => {
    prohibitory(ctx);
    car(ctx, SIGN_RED, -0.3, 0.05, 0.5);
    car(ctx, BLACK, 0.3, 0.05, 0.5);
  },
  (ctx) => {
    prohibitory(ctx);
    truck(ctx, SIGN_RED, -0.3, 0.05, 0.36);
    car(ctx, BLACK, 0.33, 0.05, 0.45);
  },
  warning(crossroads),
  (ctx) => {
    ctx.rotate(Math.PI / 4);
    ctx.fillStyle = WHITE;
    ctx.fillRect(-0.7, -0.7, 1.4, 1.4);
    ctx.strokeStyle = '#444444';
    ctx.lineWidth = 0.03;
    ctx.strokeRect(-0.7, -0.7, 1.4, 1.4);
    ctx.fillStyle = SIGN_YELLOW;
    ctx.fillRect(-0.45, -0.45, 0.9, 0.9);
  },
  (ctx) => {
    ctx.translate(0, -0.12);
    roundedTriangle(ctx, 1.08, false, SIGN_RED);
    roundedTriangle(ctx, 0.72, false, WHITE);
  },
  (ctx) => {
    regularPolygon(ctx, 8, 1, Math.PI / 8);
    ctx.fillStyle = WHITE;
    ctx.fill();
    regularPolygon(ctx, 8, 0.92, Math.PI / 8);
    ctx.fillStyle = SIGN_RED;
    ctx.fill();
    ctx.fillStyle = WHITE;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.font = `bold 0.55px "${signFontFamily()}"`;
    ctx.save();
    ctx.scale(0.85, 1);
    ctx.fillText('STOP', 0, 0.03);
    ctx.restore();
  },
  (ctx) => prohibitory(ctx),
  (ctx) => {
    prohibitory(ctx);
    truck(ctx, BLACK, 0, 0.05, 0.55);
  },
  (ctx) => {
    disk(ctx, 1, WHITE);
    disk(ctx, 0.96, SIGN_RED);
    ctx.fillStyle = WHITE;
    ctx.fillRect(-0.68, -0.16, 1.36, 0.32);
  },
  warning(exclamation),
  warning((ctx) => curve(ctx, true)),
  warning((ctx) => curve(ctx, false)),
  warning(doubleCurve),
  warning(bumps),
  warning(slippery),
  warning(narrowsRight),
  warning(roadWorker),
  warning(trafficLight),
  warning((ctx) => person(ctx, 0, 0, 1, 1)),
  warning((ctx) => {
    person(ctx, -0.3, -0.05, 0.9, 0.9);
    person(ctx, 0.4, 0.25, 0.6, 0.9);
  }),
  warning(bicycle),
  warning(snowflake),
  warning(deer),
  (ctx) => {
    endDisk(ctx);
    endStripes(ctx, 5, 0.06);
  },
  mandatory((ctx) => arrow(ctx, [[-0.15, 0.65], [-0.15, -0.05], [0.55, -0.05]], 0.22, 0.42)),
  mandatory((ctx) => arrow(ctx, [[0.15, 0.65], [0.15, -0.05], [-0.55, -0.05]], 0.22, 0.42)),
  mandatory((ctx) => arrow(ctx, [[0, 0.7], [0, -0.7]], 0.24, 0.45)),
  mandatory((ctx) => {
    arrow(ctx, [[-0.15, 0.7], [-0.15, -0.7]], 0.2, 0.4);
    arrow(ctx, [[-0.15, 0.35], [-0.15, 0.05], [0.6, 0.05]], 0.2, 0.4);
  }),
  mandatory((ctx) => {
    arrow(ctx, [[0.15, 0.7], [0.15, -0.7]], 0.2, 0.4);
    arrow(ctx, [[0.15, 0.35], [0.15, 0.05], [-0.6, 0.05]], 0.2, 0.4);
  }),
  mandatory((ctx) => arrow(ctx, [[-0.45, -0.45], [0.45, 0.45]], 0.24, 0.45)),
  mandatory((ctx) => arrow(ctx, [[0.45, -0.45], [-0.45, 0.45]], 0.24, 0.45)),
  mandatory(roundaboutArrows),
  (ctx) => {
    endDisk(ctx);
    car(ctx, GREY, -0.3, 0.05, 0.5);
    car(ctx, GREY, 0.3, 0.05, 0.5);
    endStripes(ctx, 5, 0.05);
  },
  (ctx) => {
    endDisk(ctx);
    truck(ctx, GREY, -0.3, 0.05, 0.36);
    car(ctx, GREY, 0.33, 0.05, 0.45);
    endStripes(ctx, 5, 0.05);
  },
];

/** Where a class's artwork comes from in a Debian package, and how to place it. */
export interface ArtworkSpec {
  classId: number;
  /** 'josm' paths are inside josm.jar; 'openclipart' paths are under usr/share/openclipart/svg/ */
  source: 'josm' | 'openclipart';
  path: string;
  /** mirror left-right (a keep-left sign drawn as keep-right) */
  mirror?: boolean;
  /** the artwork is a pictogram to put inside a code-drawn frame rather than a whole sign */
  frame?: 'warning' | 'prohibitory';
  /** fraction of the image to keep around its centre (crops a preset icon's own ring) */
  crop?: number;
}

const R = 'images/presets/vehicle/restriction/';
const OC = 'transportation/roadsigns/';

/** Public-domain / GPL artwork that matches a GTSRB class (checked by eye on a contact sheet). */
export const ARTWORK: readonly ArtworkSpec[] = [
  { classId: 3, source: 'josm', path: `${R}maxspeed.svg` },
  { classId: 13, source: 'josm', path: `${R}give_way.svg` },
  { classId: 14, source: 'josm', path: `${R}stop.svg` },
  { classId: 14, source: 'openclipart', path: `${OC}stop_sign_right_font_mig_.svg` },
  { classId: 15, source: 'josm', path: `${R}restrictions.svg` },
  { classId: 16, source: 'josm', path: `${R}goods.svg`, frame: 'prohibitory', crop: 0.8 },
  { classId: 17, source: 'openclipart', path: `${OC}no_entry.svg` },
  { classId: 21, source: 'openclipart', path: `${OC}zigzag.svg` },
  { classId: 23, source: 'openclipart', path: `${OC}slippery.svg` },
  { classId: 23, source: 'openclipart', path: `${OC}chaussee_glissante_arago_01.svg` },
  { classId: 25, source: 'openclipart', path: `${OC}man_w_umbrella.svg` },
  { classId: 27, source: 'josm', path: `${R}foot.svg`, frame: 'warning', crop: 0.75 },
  { classId: 29, source: 'josm', path: `${R}bicycle.svg`, frame: 'warning', crop: 0.75 },
  { classId: 31, source: 'openclipart', path: `${OC}bambi.svg` },
  { classId: 33, source: 'josm', path: `${R}turn_restrictions/only_right_turn.svg` },
  { classId: 34, source: 'josm', path: `${R}turn_restrictions/only_left_turn.svg` },
  { classId: 35, source: 'josm', path: `${R}turn_restrictions/only_straight_on.svg` },
  // JOSM names these after the turn they forbid; the signs show the allowed directions.
  { classId: 36, source: 'josm', path: `${R}turn_restrictions/no_left_turn.svg` },
  { classId: 37, source: 'josm', path: `${R}turn_restrictions/no_right_turn.svg` },
  { classId: 38, source: 'openclipart', path: `${OC}keep_left.svg`, mirror: true },
  { classId: 39, source: 'openclipart', path: `${OC}keep_left.svg` },
  { classId: 40, source: 'josm', path: `${R}roundabout_left.svg` },
];

/** Draws a loaded artwork image as a sign of radius 1 centred at (0, 0). */
export function paintArtwork(ctx: Ctx, spec: ArtworkSpec, image: Canvas): void {
  const crop = spec.crop ?? 1;
  const w = image.width;
  const h = image.height;
  const sw = w * crop;
  const sh = h * crop;
  const sx = (w - sw) / 2;
  const sy = (h - sh) / 2;
  const fit = (box: number) => {
    const s = box / Math.max(sw, sh);
    return [sw * s, sh * s] as const;
  };
  ctx.save();
  if (spec.mirror) ctx.scale(-1, 1);
  if (spec.frame === 'warning') {
    ctx.restore();
    warning((c) => {
      const [dw, dh] = fit(1.9);
      c.globalCompositeOperation = 'multiply'; // the icon's white background must not cover the red border
      c.drawImage(image, sx, sy, sw, sh, -dw / 2, -dh / 2, dw, dh);
    })(ctx);
    return;
  }
  if (spec.frame === 'prohibitory') {
    prohibitory(ctx);
    const [dw, dh] = fit(1.45);
    ctx.globalCompositeOperation = 'multiply';
    ctx.drawImage(image, sx, sy, sw, sh, -dw / 2, -dh / 2, dw, dh);
    ctx.restore();
    return;
  }
  const [dw, dh] = fit(2);
  ctx.drawImage(image, sx, sy, sw, sh, -dw / 2, -dh / 2, dw, dh);
  ctx.restore();
}

export type { SignPainter };
