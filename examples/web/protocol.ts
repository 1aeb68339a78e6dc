/**
 * The messages between the playground's page (page/main.ts) and its training Worker (worker.ts).
 * The page does no tensor work: it draws, and the Worker trains, so the page stays responsive
 * and the kernels may use threads (a page's main thread may not wait for other threads).
 */

/** The models the selector offers. */
export type ModelId = 'mlp' | 'cnn';
export type BatchNormImplName = 'fused' | 'composite';

export interface TrainSettings {
  model: ModelId;
  impl: BatchNormImplName;
  lr: number;
  momentum: number;
  batchSize: number;
  /** Steps to train; the run can be stopped earlier. */
  steps: number;
  /** Test accuracy is measured every `evalEvery` steps and after the last. */
  evalEvery: number;
  seed: number;
}

export type PageMessage =
  | { type: 'init' }
  | { type: 'threads'; threads: number }
  | { type: 'train'; settings: TrainSettings }
  | { type: 'stop' }
  | { type: 'compare'; batch: number; batchSize: number; model: ModelId };

/** A model the selector offers. */
export interface ModelChoice {
  id: ModelId;
  label: string;
  /** Its layers, shown under the selector. */
  layers: string;
  /** The learning rate the page proposes for it: the one its demo starts from. */
  lr: number;
}

/** One row of `autograd.compareVjp`'s report. */
export interface ReportRow {
  name: string;
  shape: number[];
  maxAbs: number;
  maxRel: number;
}

export type WorkerMessage =
  | {
      type: 'ready';
      trainSize: number;
      testSize: number;
      models: ModelChoice[];
      threads: number;
      isolated: boolean;
      cpus: number;
      loadMs: number;
    }
  | { type: 'threads'; threads: number }
  | { type: 'step'; step: number; loss: number; ms: number }
  | { type: 'eval'; step: number; accuracy: number }
  | { type: 'done'; steps: number; stopped: boolean }
  | {
      type: 'compare';
      batch: number;
      /** Which BatchNorm of which model, and the shape of its input. */
      layer: string;
      inputShape: number[];
      rows: ReportRow[];
      maxAbs: number;
      maxRel: number;
      text: string;
    }
  | { type: 'error'; message: string };
