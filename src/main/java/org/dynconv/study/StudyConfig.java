package org.dynconv.study;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Check;

/**
 * A study grid and its training protocol, validated in one place.
 *
 * @param data directory of the four Fashion-MNIST IDX files, or null for the embedded subset
 * @param out where results.csv, timing.csv, runs/ and the pictures go
 * @param widths width multipliers
 * @param convs conv labels (see {@link StudyCell#CONVS})
 * @param seeds training seeds
 * @param learningRates peak learning rates (several for tuning on the validation split)
 * @param epochs epochs per cell
 * @param batchSize batch size
 * @param weightDecay L2 coefficient
 * @param temperatureEpochs DynamicConv and ODConv anneal 30 -> 1 over this many epochs
 * @param validation images held out of the training set for validation
 * @param evaluateTest evaluate each finished cell on the test set (off while tuning)
 * @param timingReps timed repetitions per inference-time ratio (0 skips timing)
 * @param trainLimit train on the first N images of the training part only; 0 = all (tests)
 */
public record StudyConfig(Path data, Path out, List<Double> widths, List<String> convs,
    List<Long> seeds, List<Double> learningRates, int epochs, int batchSize, double weightDecay,
    double temperatureEpochs, int validation, boolean evaluateTest, int timingReps,
    int trainLimit) {
  private static final String C = "StudyConfig";

  public StudyConfig {
    Check.notNull(C, "out", out);
    widths = List.copyOf(widths);
    convs = List.copyOf(convs);
    seeds = List.copyOf(seeds);
    learningRates = List.copyOf(learningRates);
    if (widths.isEmpty() || convs.isEmpty() || seeds.isEmpty() || learningRates.isEmpty()) {
      throw new IllegalArgumentException(C + ": widths, convs, seeds and learningRates must each"
          + " hold at least one value; received " + widths + ", " + convs + ", " + seeds + ", "
          + learningRates + ".");
    }
    for (double w : widths) {
      if (!(w >= 0.1 && w <= 2)) {
        throw Check.invalid(C, "width", w, "0.1 <= width <= 2");
      }
    }
    for (String c : convs) {
      if (!List.of(StudyCell.CONVS).contains(c)) {
        throw Check.invalid(C, "conv", c, "one of " + String.join(", ", StudyCell.CONVS));
      }
    }
    for (double lr : learningRates) {
      Check.positiveFinite(C, "learningRate", lr);
    }
    Check.inRange(C, "epochs", epochs, 1, 1000);
    Check.inRange(C, "batchSize", batchSize, 1, 4096);
    Check.nonNegativeFinite(C, "weightDecay", weightDecay);
    Check.nonNegativeFinite(C, "temperatureEpochs", temperatureEpochs);
    Check.atLeast(C, "validation", validation, 10);
    Check.atLeast(C, "timingReps", timingReps, 0);
    Check.atLeast(C, "trainLimit", trainLimit, 0);
  }

  /**
   * The grid's cells, seeds outermost, so that a study stopped part-way holds complete comparisons
   * of every width and conv type for its first seeds.
   */
  public List<StudyCell> cells() {
    List<StudyCell> out = new ArrayList<>();
    for (long s : seeds) {
      for (double w : widths) {
        for (String c : convs) {
          for (double lr : learningRates) {
            out.add(new StudyCell(w, c, s, lr));
          }
        }
      }
    }
    return out;
  }
}
