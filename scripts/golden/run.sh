#!/usr/bin/env bash
# Regenerates all golden fixtures (test/fixtures/golden/) from real TensorFlow.
# Needs: pip install tensorflow-cpu   (TF 2.21 / Keras 3 were used; see README.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import tensorflow' 2>/dev/null; then
  echo "TensorFlow is not installed for $PY: run 'pip install tensorflow-cpu' first" >&2
  exit 1
fi
"$PY" scripts/golden/ops.py "$@"
"$PY" scripts/golden/models.py
"$PY" scripts/golden/random.py
"$PY" scripts/golden/checkpoints.py
du -sh test/fixtures/golden/ops test/fixtures/golden/models test/fixtures/golden/random test/fixtures/golden/checkpoints test/fixtures/golden
