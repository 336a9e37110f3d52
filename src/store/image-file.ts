// The pre-migrated store image's file (build/store-image.bin, made by scripts/build.mjs): a data
// folder as PostgreSQL left it after a clean shutdown, in one file: a 4-byte length (little
// endian), a JSON list of entries (a directory, or a file and its size), then every file's bytes in
// that order. Loading it is one read and no archive parsing, and a cleanly shut down folder starts
// without crash recovery, so PostgreSQL keeps its relation-cache files instead of rebuilding them
// (a dumpDataDir() tarball of a running store has neither property; that was most of a start).
import fs from 'node:fs';
import path from 'node:path';

/** [path] = a directory; [path, size] = a file. Paths are relative, '/'-separated, parents first. */
export type ImageEntry = [string] | [string, number];

export interface PgdataImage {
  dirs: string[];
  files: { path: string; bytes: Uint8Array }[];
}

/** The image file of a data folder (build time). */
export function packFolder(dir: string): Buffer {
  const entries: ImageEntry[] = [];
  const chunks: Buffer[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        entries.push([child]);
        walk(child);
      } else if (entry.isFile()) {
        const bytes = fs.readFileSync(path.join(dir, child));
        entries.push([child, bytes.length]);
        chunks.push(bytes);
      }
    }
  };
  walk('');
  const header = Buffer.from(JSON.stringify(entries));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  return Buffer.concat([length, header, ...chunks]);
}

/** Reads an image file; the files' bytes are views of one buffer (no copy per file). */
export function readImage(file: string): PgdataImage {
  return parseImage(fs.readFileSync(file), file);
}

/** An image file's bytes (read by the caller) as its folder; file names it in errors. */
export function parseImage(buffer: Buffer, file: string): PgdataImage {
  const headerLength = buffer.readUInt32LE(0);
  const entries = JSON.parse(buffer.subarray(4, 4 + headerLength).toString('utf8')) as ImageEntry[];
  const image: PgdataImage = { dirs: [], files: [] };
  let at = 4 + headerLength;
  for (const [p, size] of entries) {
    if (size === undefined) {
      image.dirs.push(p);
    } else {
      if (at + size > buffer.length) break;
      image.files.push({ path: p, bytes: new Uint8Array(buffer.buffer, buffer.byteOffset + at, size) });
      at += size;
    }
  }
  if (at !== buffer.length || image.dirs.length + image.files.length !== entries.length) throw new Error(`${file}: the store image is damaged (its bytes do not match its list of files)`);
  return image;
}

/**
 * Writes an image into a new data folder: into a sibling first, renamed into place at the end, so
 * an interrupted start never leaves a partial store that looks like one (PG_VERSION present).
 */
export function writeImageFolder(image: PgdataImage, dataDir: string): void {
  if (fs.existsSync(dataDir)) {
    // A folder left without a store in it (PG_VERSION absent): filled in place, as before.
    for (const dir of image.dirs) fs.mkdirSync(path.join(dataDir, dir), { recursive: true, mode: 0o700 });
    for (const file of image.files) fs.writeFileSync(path.join(dataDir, file.path), file.bytes, { mode: 0o600 });
    return;
  }
  const tmp = `${dataDir}.new-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true, mode: 0o700 });
  try {
    for (const dir of image.dirs) fs.mkdirSync(path.join(tmp, dir), { mode: 0o700 });
    for (const file of image.files) fs.writeFileSync(path.join(tmp, file.path), file.bytes, { mode: 0o600 });
    fs.renameSync(tmp, dataDir);
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}
