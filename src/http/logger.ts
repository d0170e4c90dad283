import { pino, type Logger, type DestinationStream } from 'pino';

/**
 * Paths that may carry credentials or patient data. Logs carry hook, service id, hookInstance,
 * status, timings and rule ids only; these redactions are a second line of defence.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'fhirAuthorization',
  'body.fhirAuthorization',
  'req.body.fhirAuthorization',
  'access_token',
  'token',
  '*.access_token',
  '*.fhirAuthorization',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'hcc-cds',
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** Error messages from HTTP clients embed request URLs (patient ids in query strings): keep only the path's type. */
export function scrubMessage(message: string): string {
  return message
    .replace(/https?:\/\/[^\s"']+/g, (url) => {
      try {
        const parsed = new URL(url);
        const firstSegment = parsed.pathname.split('/').filter(Boolean).pop() ?? '';
        return `${parsed.origin}/…/${firstSegment.replace(/[^A-Za-z]/g, '') || '…'}`;
      } catch {
        return '[url]';
      }
    })
    .replace(/Bearer\s+[A-Za-z0-9\-._~+/]+=*/gi, 'Bearer [redacted]');
}
