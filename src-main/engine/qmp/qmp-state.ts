/**
 * Connection states of a QmpClient, in order. Transitions:
 * idle → connecting (awaiting greeting) → negotiating (qmp_capabilities) → running → disconnecting → disconnected,
 * and any state after idle → disconnected when the peer goes away. A disconnected client may connect again.
 */
export type QmpState = 'idle' | 'connecting' | 'negotiating' | 'running' | 'disconnecting' | 'disconnected';
