import { useEffect } from 'react';
import { generateActions, useGenerateStore } from '../../state/generateStore';
import { ModelPanel } from './ModelPanel';
import { GenerationPanel } from './GenerationPanel';
import { BranchList } from './BranchList';
import { ContextWindowMeter } from './ContextWindowMeter';
import { SamplingControls } from './SamplingControls';
import { ConstraintPanel } from './ConstraintPanel';
import { SamplingPipelinePanel } from './SamplingPipelinePanel';
import { DistributionPanel } from './DistributionPanel';
import { TimingsPanel } from './TimingsPanel';
import { DeterminismPanel } from './DeterminismPanel';
import { ExportPanel } from './ExportPanel';
import { GenerateInside } from '../inside/LabInside';
import { TypographyWarmup } from './TypographyWarmup';

/** The Generate lab: a real model generating one token at a time, and why each token was chosen. */
export function GenerateLab() {
  useEffect(() => {
    // a server backend waits for Connect: nothing is sent anywhere before it
    const { model, backendKind } = useGenerateStore.getState();
    if (model.status === 'idle' && backendKind === 'browser') generateActions.loadModel();
  }, []);
  return (
    <div className="generate-lab">
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
          <ConstraintPanel />
          <DistributionPanel />
        </div>
      </div>
      <SamplingPipelinePanel />
      <GenerateInside />
      <DeterminismPanel />
      <ExportPanel />
      <TypographyWarmup />
    </div>
  );
}
