/**
 * Small JSON files of the operator's state directory, written atomically: the new content
 * goes to a temporary file in the same directory, is flushed to disk, then renamed over the
 * old one, so a crash leaves either the old or the new file, never half of one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OdoopsError, errorMessage } from '../util/errors.ts';

export function writeJsonAtomic(file: string, value: unknown): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(value, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  // The rename itself is durable only once the directory entry is flushed.
  const dfd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}

/** The parsed file, or null when it does not exist. Unreadable or invalid JSON is an error naming the file. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new OdoopsError(`cannot read ${file}: ${errorMessage(err)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new OdoopsError(`${file} is not valid JSON (${errorMessage(err)}): repair it or move it away`);
  }
}
