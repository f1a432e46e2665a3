// Every workflow the worker registers. Workflow code is bundled from here: only deterministic
// code and @temporalio/workflow (plus pure src/domain modules) may be imported below.
export { greetingWorkflow } from './greeting.js';
