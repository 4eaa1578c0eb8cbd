#!/usr/bin/env bash
# Copies a run's SavedModel into savedmodels/<model>/, records the fixed sample inputs and the
# reference outputs beside it, draws the routing analysis, and writes MANIFEST.md with the command,
# commit, signatures, normalisation, accuracy and the sha256 of every file.
#
#   src/tools/package_savedmodel.sh RUN_DIR MODEL "EXACT TRAIN COMMAND" COMMIT
set -euo pipefail
run="$1"; model="$2"; command="$3"; commit="$4"
root="$(cd "$(dirname "$0")/../.." && pwd)"
dest="$root/savedmodels/$model"
venv="${DYNCONV_VENV:-$HOME/.cache/dynconv/venv-tf2.18}"
jar="java -jar $root/target/dynconv.jar"

rm -rf "$dest"
mkdir -p "$dest"
cp -r "$run/export/." "$dest/"
cp "$run/log.csv" "$dest/training-log.csv"
[[ -f "$run/routing_entropy.csv" ]] && cp "$run/routing_entropy.csv" "$dest/training-routing-entropy.csv"
(cd "$root/src/test/python" && TF_CPP_MIN_LOG_LEVEL=2 "$venv/bin/python" record_samples.py "$dest" "$model")
TF_CPP_MIN_LOG_LEVEL=2 $jar analyze --model "$dest" --run "$run" --out "$dest/analysis" > /dev/null
accuracy="$(tail -1 "$run/log.csv" | cut -d, -f5)"
signatures="$(TF_CPP_MIN_LOG_LEVEL=2 $jar inspect --model "$dest" 2>/dev/null)"

{
  echo "# $model"
  echo
  echo "A SavedModel trained and exported by dynconv's own command on the full Fashion-MNIST"
  echo "(Debian's dataset-fashion-mnist, 60,000 training and 10,000 test images)."
  echo
  echo "- Command: \`$command\`"
  echo "- Commit: \`$commit\`"
  echo "- Test accuracy (10,000 test images, last epoch): $accuracy"
  echo "- Input \`images\`: $(grep '^normalisation=' "$dest/assets.extra/dynconv.properties" | cut -d= -f2-)"
  echo "- Outputs: \`logits\` and \`probabilities\` [-1, 10]; labels in \`assets.extra/labels.txt\`."
  echo "- \`samples.json\`: the first five images of the embedded test subset with the logits and"
  echo "  probabilities of the independent Python TF1 reference (src/test/python/small_cnn_reference.py)"
  echo "  restoring these variables; tests check Java and Python TensorFlow reproduce them."
  echo "- \`analysis/\`: \`dynconv analyze\` on the embedded test subset and the training log."
  echo
  echo "## Signatures"
  echo
  echo '```'
  echo "$signatures"
  echo '```'
  echo
  echo "## Files"
  echo
  echo "| sha256 | file |"
  echo "|---|---|"
  (cd "$dest" && find . -type f ! -name MANIFEST.md | sed 's|^\./||' | sort | while read -r f; do
    echo "| \`$(sha256sum "$f" | cut -d' ' -f1)\` | \`$f\` |"
  done)
} > "$dest/MANIFEST.md"
echo "packaged $dest"
