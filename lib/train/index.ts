// tf.train: the optimizers and global-step helpers (optimizer.ts).
export {
  Optimizer, GradientDescentOptimizer, MomentumOptimizer, AdamOptimizer, RMSPropOptimizer, AdagradOptimizer, AdadeltaOptimizer,
  ProximalGradientDescentOptimizer,
  getGlobalStep, createGlobalStep, getOrCreateGlobalStep,
} from './optimizer';
export type {
  Hyper, GradVar, ComputeGradientsOptions, ApplyGradientsOptions, MinimizeOptions, OptimizerOptions, MomentumOptions, AdamOptions,
  RMSPropOptions, AdagradOptions, AdadeltaOptions, ProximalGradientDescentOptions,
} from './optimizer';
// tf.train: checkpoints (Saver and the checkpoint-file helpers).
export {
  Saver, SaverOptions, SaveOptions, CheckpointState, latestCheckpoint, getCheckpointState, checkpointExists, listVariables, loadVariable,
} from './saver';
