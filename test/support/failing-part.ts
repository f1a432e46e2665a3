/** A part of the stack that fails on its own as it starts, as a worker given a broken setting does. */
console.error('cannot start: the task queue is not configured');
process.exit(1);
