/** Log paths pino blanks out: API keys never reach a log line. */
export const LOG_REDACT = ['req.headers["x-api-key"]', 'req.headers.authorization', 'headers["x-api-key"]'];
