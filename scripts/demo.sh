#!/usr/bin/env bash
# Sets up the project, then runs the three modes on the bundled example (examples/sharjah)
# against the embedded local engine: offline, no Azure subscription needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

workspace=examples/sharjah
run() { .venv/bin/speech-action --workspace "$workspace" --speech-endpoint local "$@"; }

echo "== benchmark-test: the base model on the test data"
run --mode benchmark-test
echo "== train-and-gate: a custom model from training_data, gated on WER"
run --mode train-and-gate
echo "== deploy: the improved model to a stable endpoint"
run --mode deploy
