/**
 * A part of the stack that takes a second to stop after SIGTERM, as a worker finishing the tasks
 * in hand does. Says `ready (pid N)` once its handler is in place, `stopping` on SIGTERM and
 * `stopped` as it exits.
 */
process.on('SIGTERM', () => {
  console.log('stopping');
  setTimeout(() => {
    console.log('stopped');
    process.exit(0);
  }, 1000);
});
console.log(`ready (pid ${process.pid})`);
setInterval(() => {}, 1000);
