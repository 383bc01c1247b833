import { randomBytes, createHash } from 'node:crypto';

/** A Docker-style 64-hex-character id. */
export const newId = () => randomBytes(32).toString('hex');
export const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
export const sha256 = (data: string | Buffer) => 'sha256:' + createHash('sha256').update(data).digest('hex');
