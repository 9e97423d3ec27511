import type { ForwardService } from '../network/forward-service.js';
import type { CommandSet } from './command-kit.js';

/** Port forwards of user-mode networks. */
export function networkCommands(forwards: ForwardService): CommandSet<'forward.list' | 'forward.add' | 'forward.remove'> {
  return {
    'forward.list': async (a) => forwards.list(a),
    'forward.add': async (a) => forwards.add(a),
    'forward.remove': async (a) => forwards.remove(a),
  };
}
