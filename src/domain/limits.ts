// The limits an instance runs under, resolved in one place: its own setting where it has one
// (instances.max_custom_activities / activity_daily_limit, set with `activity-cdp instances`),
// else the server's (MAX_CUSTOM_ACTIVITIES, ACTIVITY_DAILY_LIMIT). The sync path (from the key's
// AuthContext) and the worker (from the instance row) both ask here, so they cannot disagree.

export interface Limits {
  /** Live custom activity definitions per instance. */
  maxCustomActivities: number;
  /** Events of one activity per record in a rolling 24 hours of `created` time; 0 = no limit. */
  activityDailyLimit: number;
}

/** An instance's own settings: null = the server's default. */
export interface InstanceLimits {
  maxCustomActivities: number | null;
  activityDailyLimit: number | null;
}

export function effectiveLimits(instance: InstanceLimits | undefined, defaults: Limits): Limits {
  return {
    maxCustomActivities: instance?.maxCustomActivities ?? defaults.maxCustomActivities,
    activityDailyLimit: instance?.activityDailyLimit ?? defaults.activityDailyLimit,
  };
}
