// The schemas other schemas name by `$id` (Type.Ref): app.ts registers each once, in this order,
// which is also their order under components.schemas in the OpenAPI document.
import { AccountActivityInput, AccountActivityResult, Location, PersonActivityInput, PersonActivityResult } from './activities.js';
import { ActivityEvent, Filter, RecordSchema } from './read-back.js';
import { ErrorBody, RateLimitBody } from './common.js';
import { CustomActivity } from './definitions.js';

export const SHARED_SCHEMAS = [
  ErrorBody, RateLimitBody, CustomActivity,
  Location, PersonActivityInput, AccountActivityInput, PersonActivityResult, AccountActivityResult, ActivityEvent, Filter, RecordSchema,
] as const;
