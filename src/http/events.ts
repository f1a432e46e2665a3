/**
 * `POST /events`: the store's events (see src/inbox/events.ts for their formats), one per request
 * or `{"events": [ … ]}`. Bearer API key, JSON only, at most 256 KiB. An event is answered 202 once
 * it is stored in the inbox; the inbox processor applies it (at once, and again later if that fails).
 * A batch is all or nothing: one bad event refuses the batch with 400, naming every bad field, so
 * the client fixes it and sends the batch again. An event_id sent before with another body is 409.
 */
import { isBatchBody } from '../inbox/events.js';
import { acceptEvents } from '../inbox/store.js';
import { requireBearer } from './auth.js';
import { parseJsonBody, readBody, requireJsonContentType, sendJson } from './respond.js';
import type { Handler, HttpDeps } from './types.js';

export const EVENTS_BODY_LIMIT_BYTES = 256 * 1024;

export function eventsHandler(deps: HttpDeps): Handler {
  return async (req, res) => {
    requireBearer(req, deps.config?.apiKey, 'BOOMERANG_API_KEY');
    requireJsonContentType(req);
    const body = parseJsonBody(await readBody(req, deps.maxBodyBytes ?? EVENTS_BODY_LIMIT_BYTES));
    const result = await acceptEvents(deps.db, 'api', body, {
      clockToleranceSeconds: deps.config?.eventClockToleranceSeconds,
    });
    if (!result.ok && result.conflicts)
      return sendJson(res, 409, {
        error: 'an event_id was received before with a different body; nothing was stored',
        problems: result.problems,
        conflicts: result.conflicts,
      });
    if (!result.ok)
      return sendJson(res, 400, { error: 'invalid event', problems: result.problems });
    if (result.events.some((e) => !e.duplicate)) deps.onEventsAccepted?.();
    const stored = result.events.map((e) => ({ id: e.id, type: e.type, duplicate: e.duplicate }));
    sendJson(
      res,
      202,
      isBatchBody(body) ? { accepted: true, events: stored } : { accepted: true, ...stored[0] },
    );
  };
}
