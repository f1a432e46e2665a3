/** A flow's step catalogue: one step per node, whose id is the node id. Workflow code imports it. */
export { flowStep, flowSteps } from '../../../domain/flows/steps.js';
