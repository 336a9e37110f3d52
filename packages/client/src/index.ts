// @activity-cdp/client: a typed client for Ortto's custom-activities API and activity-cdp.
export { ActivityClient, REGION_BASE_URLS, countByStatus, type ActivityClientOptions, type Endpoint, type Region } from './client.js';
export {
  MAX_ACTIVITIES_PER_REQUEST, MAX_REQUEST_BYTES,
  type ActivityNotTaken, type CreateActivitiesOptions, type Outcome,
} from './batch.js';
export { ActivityCdpError, isActivityCdpError, type ErrorCode, type ItemFailure } from './errors.js';
export type { RequestOptions, FetchLike } from './transport.js';
export * from './field-ids.js';
export * from './generated/types.js';
