package org.dynconv.study;

import java.util.Locale;

/**
 * One finished cell, a line of {@code results.csv}.
 *
 * @param model zoo name of the family member
 * @param conv conv label
 * @param width width multiplier
 * @param experts E, K or n (0 for static and DCD)
 * @param seed training seed
 * @param learningRate peak learning rate
 * @param weightDecay L2 coefficient
 * @param parameters trainable parameters
 * @param macs multiply-adds per image
 * @param valAccuracy accuracy on the held-out validation images after the last epoch
 * @param testAccuracy accuracy on the test set (NaN while tuning)
 * @param epochs epochs trained
 * @param trainSeconds training wall time
 * @param ratioB1 inference time over the static member of the same width at batch 1
 * @param ratioB32 the same at batch 32
 * @param msB1 the member's own median inference time per batch of 1, in milliseconds
 * @param msB32 the same per batch of 32
 * @param entropy mean routing entropy over layers after the last epoch (NaN without routing)
 * @param commit the code's git commit
 */
public record StudyRow(String model, String conv, double width, int experts, long seed,
    double learningRate, double weightDecay, long parameters, long macs, double valAccuracy,
    double testAccuracy, int epochs, double trainSeconds, double ratioB1, double ratioB32,
    double msB1, double msB32, double entropy, String commit) {
  public static final String HEADER = "model,conv,width,experts,seed,lr,weight_decay,parameters,"
      + "macs,val_accuracy,test_accuracy,epochs,train_seconds,ratio_b1,ratio_b32,ms_b1,ms_b32,"
      + "entropy,commit";

  /** True for a cell whose training diverged (NaN loss): it has no validation accuracy. */
  public boolean diverged() {
    return Double.isNaN(valAccuracy);
  }

  public String csv() {
    return String.format(Locale.ROOT,
        "%s,%s,%s,%d,%d,%g,%g,%d,%d,%.5f,%.5f,%d,%.1f,%.4f,%.4f,%.4f,%.4f,%.4f,%s", model, conv,
        width, experts, seed, learningRate, weightDecay, parameters, macs, valAccuracy, testAccuracy,
        epochs, trainSeconds, ratioB1, ratioB32, msB1, msB32, entropy, commit);
  }

  /** Parses {@link #csv()}; {@code where} names the file and line in errors. */
  public static StudyRow parse(String line, String where) {
    String[] f = line.split(",", -1);
    if (f.length != 19) {
      throw new IllegalArgumentException("StudyRow: " + where + " has " + f.length
          + " fields; expected 19 (" + HEADER + ").");
    }
    try {
      return new StudyRow(f[0], f[1], Double.parseDouble(f[2]), Integer.parseInt(f[3]),
          Long.parseLong(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
          Long.parseLong(f[7]), Long.parseLong(f[8]), Double.parseDouble(f[9]),
          Double.parseDouble(f[10]), Integer.parseInt(f[11]), Double.parseDouble(f[12]),
          Double.parseDouble(f[13]), Double.parseDouble(f[14]), Double.parseDouble(f[15]),
          Double.parseDouble(f[16]), Double.parseDouble(f[17]), f[18]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("StudyRow: " + where + " has a malformed number ("
          + e.getMessage() + "); expected " + HEADER + ".");
    }
  }

  /** The cell this row finished. */
  public StudyCell cell() {
    return new StudyCell(width, conv, seed, learningRate);
  }
}
