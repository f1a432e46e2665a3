/**
 * `GET /unsubscribe?token=…` (the link in every campaign email) shows a page with one button; it
 * changes nothing, because mail scanners open links. The button, and the RFC 8058 one-click
 * `POST /unsubscribe?token=…` with body `List-Unsubscribe=One-Click` (what mailbox providers send
 * from the List-Unsubscribe-Post header), set the contact's newsletter status to unsubscribed, with
 * its time; every later send skips the contact (the messaging activity checks consent at send time).
 *
 * A token is refused once older than UNSUBSCRIBE_LINK_DAYS, and when the contact subscribed again
 * after it was issued: an old email's link must not undo a newer choice. People get a small HTML
 * page, never a stack trace.
 */
import type http from 'node:http';
import {
  isVoidedBySubscription,
  verifyUnsubscribeToken,
} from '../domain/messages/unsubscribe-token.js';
import { isDatabaseOutage } from '../services/database.js';
import { findContact, unsubscribeContact } from '../services/contacts.js';
import type { OutageLog } from './outage-log.js';
import { HttpError, RETRY_AFTER_SECONDS, readBody, sendHtmlPage } from './respond.js';
import type { Handler, HttpDeps } from './types.js';

/** The one-click body is a few bytes; forms add little. */
const UNSUBSCRIBE_BODY_LIMIT_BYTES = 16 * 1024;

/** Default validity of a link, as UNSUBSCRIBE_LINK_DAYS. */
const DEFAULT_LINK_DAYS = 365;

function voidedPage(res: http.ServerResponse): void {
  sendHtmlPage(
    res,
    400,
    'This unsubscribe link is no longer valid',
    'You subscribed again after this email was sent. To unsubscribe, use the link in a more recent email.',
  );
}

export function unsubscribeHandler(deps: HttpDeps, outage: OutageLog): Handler {
  return async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    try {
      // The one-click body only says "one click"; the token in the URL is what counts.
      if (req.method === 'POST') await readBody(req, UNSUBSCRIBE_BODY_LIMIT_BYTES);
      const secret = deps.config?.signingSecret;
      if (!secret) {
        console.error(
          'http: /unsubscribe refused: BOOMERANG_SIGNING_SECRET is not set, so no token can be verified',
        );
        return sendHtmlPage(
          res,
          503,
          'Unsubscribing is not available right now',
          'Please try again later, or reply to the email to be removed from the list.',
        );
      }
      const token = url.searchParams.get('token');
      if (!token)
        return sendHtmlPage(
          res,
          400,
          'This unsubscribe link is incomplete',
          'The link has no unsubscribe token. Please use the full link from the email.',
        );
      const days = deps.config?.unsubscribeLinkDays ?? DEFAULT_LINK_DAYS;
      const verified = verifyUnsubscribeToken(secret, token, { maxAgeSeconds: days * 86_400 });
      if (!verified.ok) {
        return verified.reason === 'expired'
          ? sendHtmlPage(
              res,
              400,
              'This unsubscribe link has expired',
              'Please use the link in a more recent email, or reply to the email to be removed from the list.',
            )
          : sendHtmlPage(
              res,
              400,
              'This unsubscribe link is not valid',
              'The link may have been cut or changed. Please use the full link from the email.',
            );
      }
      if (req.method === 'GET') {
        const contact = await findContact(deps.db, verified.contactId);
        if (contact?.newsletterStatus === 'unsubscribed')
          return sendHtmlPage(
            res,
            200,
            'You are unsubscribed',
            'You will not receive any more marketing emails from us.',
          );
        if (contact && isVoidedBySubscription(verified.issuedAt, contact.newsletterSubscribedAt))
          return voidedPage(res);
        return sendHtmlPage(
          res,
          200,
          'Unsubscribe from our emails?',
          'You will not receive any more marketing emails from us.',
          {
            action: `unsubscribe?token=${encodeURIComponent(token)}`,
            button: 'Unsubscribe',
            fields: { 'List-Unsubscribe': 'One-Click' },
          },
        );
      }
      const outcome = await unsubscribeContact(deps.db, verified.contactId, verified.issuedAt);
      if (outcome === 'voided') return voidedPage(res);
      if (outcome === 'unsubscribed')
        console.log(`http: contact ${verified.contactId} unsubscribed from the newsletter`);
      sendHtmlPage(
        res,
        200,
        'You are unsubscribed',
        'You will not receive any more marketing emails from us.',
      );
    } catch (err) {
      if (res.headersSent) throw err;
      if (err instanceof HttpError)
        return sendHtmlPage(res, err.status, 'This request cannot be handled', `${err.message}.`);
      if (isDatabaseOutage(err)) {
        outage.unavailable(err);
        // Mailbox providers retry a one-click POST answered 503 with Retry-After.
        res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
        return sendHtmlPage(
          res,
          503,
          'Unsubscribing is not available right now',
          'You are not unsubscribed yet. Please try again in a few minutes.',
        );
      }
      console.error(
        `http: ${req.method} /unsubscribe failed: ${(err as Error).stack ?? String(err)}`,
      );
      sendHtmlPage(
        res,
        500,
        'Something went wrong',
        'You are not unsubscribed yet. Please try again in a few minutes.',
      );
    }
  };
}
