// tf.train: checkpoints (Saver and the checkpoint-file helpers).
export {
  Saver, SaverOptions, SaveOptions, CheckpointState, latestCheckpoint, getCheckpointState, checkpointExists, listVariables, loadVariable,
} from './saver';
