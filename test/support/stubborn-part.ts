/**
 * A part of the stack that ignores SIGTERM, as a worker stuck finishing an activity or an endpoint
 * stuck on a request does: it runs until killed. Says `ready (pid N)` once its handler is in place.
 */
process.on('SIGTERM', () => console.log('SIGTERM ignored'));
console.log(`ready (pid ${process.pid})`);
setInterval(() => {}, 1000);
