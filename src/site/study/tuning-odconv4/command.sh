#!/usr/bin/env bash
# ODConv 4x on the tuning protocol (validation split, one epoch, width 0.25, seed 1), code at 8572914.
# The lr 0.02 cell finished (results.csv); the lr 0.05 cell stopped with a NaN loss at step 254
# of its one epoch, so it has no row (runs/ keeps its partial log).
set -euo pipefail
java -jar target/dynconv.jar study --data /usr/share/datasets/fashion-mnist --widths 0.25 \
  --convs odconv4 --lr 0.02,0.05 --epochs 1 --seeds 1 --no-test --timing-reps 1 \
  --weight-decay 4e-5 --temperature-epochs 0.25 --commit 8572914 --out DIR
