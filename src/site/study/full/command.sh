#!/usr/bin/env bash
# The full study, as committed under src/site/study/: code at commit be18dff for the first two
# commands; the third (ODConv 4x, added 2026-12-02 with the same settings) at commit d288454.
set -euo pipefail
J="java -jar /work/study-bin/dynconv.jar study --data /usr/share/datasets/fashion-mnist --seeds 3 --lr 0.05 --epochs 2 --temperature-epochs 0.5 --weight-decay 4e-5 --timing-reps 10 --commit be18dff --out /work/study-runs/full"
$J --widths 0.75,1.0 --convs static
$J --widths 0.25,0.5 --convs static,condconv,dynamic,dcd,odconv
J4="java -jar /work/study-bin/dynconv.jar study --data /usr/share/datasets/fashion-mnist --seeds 3 --lr 0.05 --epochs 2 --temperature-epochs 0.5 --weight-decay 4e-5 --timing-reps 10 --commit d288454 --out /work/study-runs/full"
$J4 --widths 0.25,0.5 --convs odconv4
