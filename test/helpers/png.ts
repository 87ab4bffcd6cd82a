// Just enough of PNG to read a browser's screenshot: 8-bit RGB or RGBA, not interlaced.
import { inflateSync } from 'node:zlib';

export interface Image { width: number; height: number; pixel(x: number, y: number): [number, number, number] }

export function readPng(buf: Buffer): Image {
  if (buf.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('not a PNG');
  let width = 0, height = 0, channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < buf.length;) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      const [depth, color, , , interlace] = data.subarray(8, 13);
      if (depth !== 8 || (color !== 2 && color !== 6) || interlace !== 0) throw new Error(`PNG kind not read here: depth ${depth}, color ${color}, interlace ${interlace}`);
      channels = color === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) { // undo each row's filter
    const filter = raw[y * (stride + 1)];
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[y * stride + i - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + i] : 0;
      const c = i >= channels && y > 0 ? out[(y - 1) * stride + i - channels] : 0;
      let v = row[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) { const p = a + b - c; const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c); v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      out[y * stride + i] = v & 255;
    }
  }
  return { width, height, pixel: (x, y) => { const o = y * stride + x * channels; return [out[o], out[o + 1], out[o + 2]]; } };
}

/** The longest horizontal run of one colour in each row that has any: [row, length] pairs, longest first. */
export function runsOf(img: Image, rgb: [number, number, number]): [number, number][] {
  const runs: [number, number][] = [];
  for (let y = 0; y < img.height; y++) {
    let best = 0, cur = 0;
    for (let x = 0; x < img.width; x++) {
      const p = img.pixel(x, y);
      cur = p[0] === rgb[0] && p[1] === rgb[1] && p[2] === rgb[2] ? cur + 1 : 0;
      if (cur > best) best = cur;
    }
    if (best > 0) runs.push([y, best]);
  }
  return runs.sort((a, b) => b[1] - a[1]);
}
