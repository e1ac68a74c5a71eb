import { useEffect } from 'react';
import { inferenceActions, useInferenceStore } from '../../state/inferenceStore';
import { ModelPanel } from '../model/ModelPanel';
import { GenerationPanel } from '../generation/GenerationPanel';
import { BranchList } from '../generation/BranchList';
import { ContextWindowMeter } from '../generation/ContextWindowMeter';
import { SamplingControls } from '../sampling/SamplingControls';
import { SamplingPipelinePanel } from '../sampling/SamplingPipelinePanel';
import { DistributionPanel } from '../distribution/DistributionPanel';
import { TimingsPanel } from '../timings/TimingsPanel';
import { DeterminismPanel } from '../determinism/DeterminismPanel';

/** The inference lab: a real model generating one token at a time, and why each token was chosen. */
export function InferenceLab() {
  useEffect(() => {
    const { model } = useInferenceStore.getState();
    if (model.status === 'idle') inferenceActions.loadModel();
  }, []);
  return (
    <div className="inference-lab">
      <ModelPanel />
      <div className="two-col">
        <div>
          <GenerationPanel />
          <BranchList />
          <ContextWindowMeter />
          <TimingsPanel />
        </div>
        <div>
          <SamplingControls />
          <DistributionPanel />
        </div>
      </div>
      <SamplingPipelinePanel />
      <DeterminismPanel />
    </div>
  );
}
