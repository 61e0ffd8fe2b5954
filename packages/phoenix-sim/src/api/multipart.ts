import { randomBytes } from 'node:crypto';
import { PveError } from '../state/errors';
import type { Params } from '../state/types';

/**
 * `multipart/form-data` bodies, as pve-http-server takes uploads: plain fields become
 * parameters; the file part is written to `/var/tmp/pveupload-<hex>` on the host, its
 * client-side name becomes `filename` and the host path `tmpfilename`.
 */
export function multipartParams(body: Buffer, contentType: string, saveTmpFile: (hostPath: string, data: Buffer) => void): Params {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw new PveError(400, 'multipart body without boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const params: Params = {};
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // drop the CRLF after the delimiter and before the next one
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const data = part.subarray(headerEnd + 4);
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
      if (name !== undefined && filename !== undefined) {
        const tmp = `/var/tmp/pveupload-${randomBytes(16).toString('hex')}`;
        saveTmpFile(tmp, data);
        params[name] = filename;
        params.tmpfilename = tmp;
      } else if (name !== undefined) params[name] = data.toString('utf8');
    }
    pos = next;
  }
  return params;
}
