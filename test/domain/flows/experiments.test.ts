/**
 * How a flow declares an experiment (a split with `experiment`, a send with `variants`), what the
 * schema refuses, which arm a contact takes before and after a conclusion, and the definition a
 * conclusion saves.
 */
import { describe, expect, it } from 'vitest';
import { FlowDefinitionError, parseFlowDefinition } from '../../../src/domain/flows/definition.js';
import {
  armOf,
  concludedFlow,
  flowExperiments,
  NotAnExperimentError,
  sendArms,
  UnknownArmError,
} from '../../../src/domain/flows/experiments.js';
import { chooseArm } from '../../../src/domain/flows/split.js';
import { campaignGraph } from '../../../src/domain/reports/graphs.js';

const arms = [
  { name: 'a', weight: 1, next: 'mail' },
  { name: 'b', weight: 1, next: 'done' },
];
const flow = (pick: Record<string, unknown>, send: Record<string, unknown> = {}) => ({
  id: 'offers',
  name: 'Offers',
  kind: 'flow',
  nodes: {
    start: { type: 'entry', trigger: 'launch', next: 'pick' },
    pick: { type: 'split', arms, ...pick },
    mail: { type: 'send', channel: 'email', template: 'low-clv-offer', next: 'done', ...send },
    done: { type: 'exit', reason: 'completed' },
  },
});
const problems = (input: unknown) => {
  try {
    parseFlowDefinition(input);
    return [];
  } catch (err) {
    return (err as FlowDefinitionError).problems;
  }
};

describe('declaring an experiment', () => {
  it('takes `experiment: true` as every default, and the first arm as the control', () => {
    const parsed = parseFlowDefinition(flow({ experiment: true }));
    expect(flowExperiments(parsed)).toEqual([
      {
        node: 'pick',
        type: 'split',
        arms: ['a', 'b'],
        control: 'a',
        settings: { autoConclude: false, minimumDetectableEffect: 0.02 },
      },
    ]);
  });

  it('makes a send with variants an experiment whose control is its own template', () => {
    const parsed = parseFlowDefinition(
      flow({}, { variants: [{ name: 'short', template: 'low-clv-reminder' }] }),
    );
    expect(flowExperiments(parsed).map((e) => [e.node, e.arms, e.control])).toEqual([
      ['mail', ['control', 'short'], 'control'],
    ]);
    const mail = parsed.nodes.mail as Parameters<typeof sendArms>[0];
    expect(sendArms(mail).map((a) => [a.name, a.template])).toEqual([
      ['control', 'low-clv-offer'],
      ['short', 'low-clv-reminder'],
    ]);
    // A split without `experiment` is a plain split, no experiment.
    expect(flowExperiments(parseFlowDefinition(flow({})))).toEqual([]);
  });

  it('lists the experiments in the order a journey meets them, as the report graph lists nodes', () => {
    // A stored definition's keys come back in jsonb order (shorter first, then by bytes), which
    // puts the send with variants before the split that leads to it.
    const stored = flow({ experiment: true }, { variants: [{ name: 'short', template: 'x' }] });
    const { done, mail, pick, start } = stored.nodes;
    const parsed = parseFlowDefinition({ ...stored, nodes: { done, mail, pick, start } });
    expect(Object.keys(parsed.nodes)).toEqual(['done', 'mail', 'pick', 'start']);
    const order = flowExperiments(parsed).map((e) => e.node);
    expect(order).toEqual(['pick', 'mail']);
    const graphOrder = campaignGraph(parsed).nodes.map((n) => n.id);
    expect(graphOrder.filter((id) => order.includes(id))).toEqual(order);
  });

  it('refuses a control or winner that is no arm, a variant named "control", and an experiment without variants', () => {
    expect(problems(flow({ experiment: { control: 'z', winner: 'y' } }))).toEqual([
      'nodes.pick.experiment.control: no arm "z"; the arms are a, b',
      'nodes.pick.experiment.winner: no arm "y"; the arms are a, b',
    ]);
    expect(problems(flow({}, { variants: [{ name: 'control', template: 'x' }] }))).toEqual([
      'nodes.mail.variants[0].name: "control" is the arm of the node\'s own template; give the variant another name',
    ]);
    expect(problems(flow({}, { experiment: true }))).toEqual([
      'nodes.mail.experiment: a send node is an experiment through its variants; add "variants"',
    ]);
  });

  it('names the arm or variant whose name an earlier one has, at its field', () => {
    const twice = [...arms, { name: 'a', weight: 2, next: 'done' }];
    expect(problems(flow({ arms: twice }))).toEqual([
      'nodes.pick.arms[2].name: "a" is the name of arms[0] too; arm names must differ',
    ]);
    const variants = [
      { name: 'short', template: 'x' },
      { name: 'long', template: 'y' },
      { name: 'short', template: 'z' },
    ];
    expect(problems(flow({}, { variants }))).toEqual([
      'nodes.mail.variants[2].name: "short" is the name of variants[0] too; arm names must differ',
    ]);
  });

  it('refuses a minimum detectable effect written as a percentage, saying it is a fraction', () => {
    expect(problems(flow({ experiment: { minimumDetectableEffect: 5 } }))).toEqual([
      'nodes.pick.experiment.minimumDetectableEffect: must be an uplift in conversion rate between 0 and 1, in absolute terms: 0.02 for 2 points (not 2)',
    ]);
  });
});

describe('arms before and after a conclusion', () => {
  it("takes the contact's own arm until concluded, then the winner for everyone", () => {
    for (let id = 1; id <= 20; id++) {
      expect(armOf(arms, undefined, id, 'pick')).toBe(chooseArm(arms, id, 'pick'));
      expect(armOf(arms, 'b', id, 'pick').name).toBe('b');
    }
  });

  it('concludes by naming the winner, keeping the arms and the rest of the flow', () => {
    const parsed = parseFlowDefinition(flow({ experiment: { autoConclude: true } }));
    const concluded = concludedFlow(parsed, 'pick', 'b');
    expect(concluded.nodes.pick).toEqual({
      type: 'split',
      arms,
      experiment: { autoConclude: true, minimumDetectableEffect: 0.02, winner: 'b' },
    });
    expect({ ...concluded, nodes: { ...concluded.nodes, pick: parsed.nodes.pick } }).toEqual(
      parsed,
    );
    // What is saved parses again as it is.
    expect(parseFlowDefinition(concluded)).toEqual(concluded);
    expect(() => concludedFlow(parsed, 'mail', 'a')).toThrow(NotAnExperimentError);
    expect(() => concludedFlow(parsed, 'pick', 'c')).toThrow(UnknownArmError);
  });
});
