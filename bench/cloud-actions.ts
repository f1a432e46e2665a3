/**
 * What a journey would be billed on Temporal Cloud, counted from its history by the published
 * rules (docs.temporal.io/cloud/actions): a workflow start, each timer started, each signal, each
 * activity attempt, each search-attribute upsert except those that only set `TemporalChangeVersion`
 * (the patches' own), and one for all the markers (local activities, patches) of one workflow task.
 * Queries and activity heartbeats are billed too but leave nothing in the history; a journey's
 * activities do not heartbeat, and nothing here queries them.
 */
import proto from '@temporalio/proto';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const { EventType } = proto.temporal.api.enums.v1;

export interface CloudActions {
  total: number;
  started: number;
  timers: number;
  signals: number;
  activityAttempts: number;
  searchAttributeUpserts: number;
  /** Workflow tasks that recorded markers (local activities, patches): one action each. */
  markerTasks: number;
}

/** A history event's type name, whether read from the server (a number) or from JSON (a string). */
function typeOf(e: HistoryEvent): string {
  const t = e.eventType as unknown;
  return (typeof t === 'number' ? (EventType[t] ?? String(t)) : String(t)).replace(
    'EVENT_TYPE_',
    '',
  );
}

export function cloudActions(events: HistoryEvent[]): CloudActions {
  const count = { started: 0, timers: 0, signals: 0, activityAttempts: 0, upserts: 0 };
  const tasksWithMarkers = new Set<string>();
  for (const e of events) {
    switch (typeOf(e)) {
      case 'WORKFLOW_EXECUTION_STARTED':
      case 'WORKFLOW_EXECUTION_CONTINUED_AS_NEW':
        count.started++;
        break;
      case 'TIMER_STARTED':
        count.timers++;
        break;
      case 'WORKFLOW_EXECUTION_SIGNALED':
        count.signals++;
        break;
      case 'ACTIVITY_TASK_STARTED':
        // One event however many attempts ran; each attempt is billed.
        count.activityAttempts += e.activityTaskStartedEventAttributes?.attempt ?? 1;
        break;
      case 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES': {
        const fields = Object.keys(
          e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
        );
        if (fields.some((f) => f !== 'TemporalChangeVersion')) count.upserts++;
        break;
      }
      case 'MARKER_RECORDED':
        tasksWithMarkers.add(
          String(e.markerRecordedEventAttributes?.workflowTaskCompletedEventId ?? ''),
        );
        break;
    }
  }
  const markerTasks = tasksWithMarkers.size;
  return {
    total:
      count.started +
      count.timers +
      count.signals +
      count.activityAttempts +
      count.upserts +
      markerTasks,
    started: count.started,
    timers: count.timers,
    signals: count.signals,
    activityAttempts: count.activityAttempts,
    searchAttributeUpserts: count.upserts,
    markerTasks,
  };
}

/** Temporal Cloud's pay-as-you-go price of `actions` actions in one month, in dollars (published tiers). */
export function cloudActionsPrice(actions: number): number {
  const tiers: [upTo: number, perMillion: number][] = [
    [5e6, 50],
    [10e6, 45],
    [20e6, 40],
    [50e6, 35],
    [100e6, 30],
    [200e6, 25],
  ];
  let price = 0;
  let from = 0;
  for (const [upTo, perMillion] of tiers) {
    if (actions <= from) break;
    price += ((Math.min(actions, upTo) - from) / 1e6) * perMillion;
    from = upTo;
  }
  // Above 200M the price is by agreement; the last published rate stands in for it.
  if (actions > from) price += ((actions - from) / 1e6) * 25;
  return price;
}
