/**
 * An error that maps to an explorer answer: the status code and `{"error": message}`
 * (docs/protocol.md#framing).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (m: string): HttpError => new HttpError(400, m);
export const unauthorized = (m: string): HttpError => new HttpError(401, m);
export const notFound = (m: string): HttpError => new HttpError(404, m);
export const conflict = (m: string): HttpError => new HttpError(409, m);
export const internal = (m: string): HttpError => new HttpError(500, m);
