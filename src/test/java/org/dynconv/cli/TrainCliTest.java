package org.dynconv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The train command's bad-input cases and its determinism across processes. */
class TrainCliTest {
  private static void assertFails(int exit, String message, Path out, String... args) {
    CliTestSupport.Run r = CliTestSupport.inProcess(args);
    assertEquals(exit, r.exit(), r.err());
    assertEquals(List.of(message), CliTestSupport.dynconvLines(r.err()), r.err());
    assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    assertFalse(Files.exists(out), "nothing written to " + out);
  }

  @Test
  void badArgumentsGiveOneLineAndWriteNothing(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("run");
    String o = out.toString();
    assertFails(2, "dynconv train: --epochs=0 is invalid; expected an integer >= 1.", out,
        "train", "--epochs", "0", "--out", o);
    assertFails(2, "dynconv train: --epochs=-3 is invalid; expected an integer >= 1.", out,
        "train", "--epochs", "-3", "--out", o);
    assertFails(2, "dynconv train: --batch-size=0 is invalid; expected an integer >= 1.", out,
        "train", "--batch-size", "0", "--out", o);
    assertFails(2, "dynconv train: --lr=0.0 is invalid; expected a finite number > 0.", out,
        "train", "--lr", "0", "--out", o);
    assertFails(2, "dynconv train: --lr=-0.1 is invalid; expected a finite number > 0.", out,
        "train", "--lr", "-0.1", "--out", o);
    assertFails(2, "dynconv train: Invalid value for option '--epochs': 'many' is not an int (see"
        + " 'dynconv train --help')", out, "train", "--epochs", "many", "--out", o);
    assertFails(2, "dynconv train: --model=resnet is unknown; expected a family (small-cnn, "
        + "mobilenetv2-0.25, mobilenetv2-0.5, mobilenetv2-0.75, mobilenetv2-1.0 "
        + "with --conv static|condconv|dynamic|dcd|odconv) or one of "
        + "small-cnn-{static|condconv|dynamic|dcd|odconv}, small-cnn-dcd-dycls, "
        + "mobilenetv2-0.25-{static|condconv|dynamic|dcd|odconv}, "
        + "mobilenetv2-0.5-{static|condconv|dynamic|dcd|odconv}, "
        + "mobilenetv2-0.75-{static|condconv|dynamic|dcd|odconv}, "
        + "mobilenetv2-1.0-{static|condconv|dynamic|dcd|odconv}, efficientnet-b0, "
        + "efficientnet-condconv-b0-4e, efficientnet-condconv-b0-8e, "
        + "efficientnet-condconv-b0-8e-depth.",
        out, "train", "--model", "resnet", "--out", o);
    assertFails(2, "dynconv train: --resume: '" + o + "' holds no training run; expected the"
        + " --out of an earlier 'train'.", out,
        "train", "--resume", "--out", o);
    assertFails(2, "dynconv train: --stop-at-step=-1 is invalid; expected 0 (the whole run) or a"
        + " global step >= 1.", out, "train", "--stop-at-step", "-1", "--out", o);
    Path missing = dir.resolve("no-data");
    assertFails(1, "dynconv train: error: FashionMnist: data directory '" + missing
        + "' does not exist.", out, "train", "--data", missing.toString(), "--out", o);
  }

  @Test
  void truncatedDataFileIsNamed(@TempDir Path dir) throws IOException {
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    for (String f : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
      byte[] header = f.contains("images") ? new byte[] {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28}
          : new byte[] {0, 0, 8, 1, 0, 0, 0, 2, 0, 1};
      Files.write(data.resolve(f), header);
    }
    Path out = dir.resolve("run");
    assertFails(1, "dynconv train: error: IdxReader: file '" + data.resolve("train-images-idx3-ubyte")
        + "' is truncated: the header declares 2x28x28 = 1568 bytes of data but only 0 are present.",
        out, "train", "--data", data.toString(), "--out", out.toString());
  }

  @Test
  void seededRunIsBitIdenticalAcrossTwoProcesses(@TempDir Path dir) throws Exception {
    byte[][] weights = new byte[2][];
    String[] logs = new String[2];
    for (int i = 0; i < 2; i++) {
      Path out = dir.resolve("run" + i);
      CliTestSupport.Run r = CliTestSupport.forked(dir, Map.of(), "train", "--conv", "dynamic",
          "--epochs", "1", "--train-limit", "320", "--batch-size", "32", "--seed", "5", "--out",
          out.toString());
      assertEquals(0, r.exit(), r.err() + r.out());
      assertTrue(r.out().contains("done: test accuracy"), r.out());
      Path ckpt = out.resolve("checkpoints").resolve("ckpt-000000010");
      weights[i] = Files.readAllBytes(ckpt.resolve("model.data-00000-of-00001"));
      logs[i] = org.dynconv.testing.Csv.withoutSeconds(Files.readString(out.resolve("log.csv")));
    }
    assertArrayEquals(weights[0], weights[1], "checkpoints of two processes differ");
    assertEquals(logs[0], logs[1]);
  }

  /**
   * --stop-at-step ends a run at a global step, mid-epoch or at an epoch end, with a checkpoint
   * and no export; --resume then ends where an uninterrupted run ends, weights bit-identical.
   */
  @Test
  void aRunStoppedAtAStepResumesToTheSameWeights(@TempDir Path dir) throws IOException {
    // 256 images in batches of 32: 8 steps per epoch, 16 in all.
    String[] common = {"train", "--model", "small-cnn-static", "--train-limit", "256",
        "--batch-size", "32", "--epochs", "2", "--seed", "5", "--no-export"};
    Path straight = dir.resolve("straight");
    CliTestSupport.Run a = CliTestSupport.inProcess(with(common, "--out", straight.toString()));
    assertEquals(0, a.exit(), a.err());
    for (int stop : new int[] {5, 8}) {
      Path run = dir.resolve("stopped-" + stop);
      CliTestSupport.Run b = CliTestSupport.inProcess(with(common, "--out", run.toString(),
          "--stop-at-step", Integer.toString(stop)));
      assertEquals(0, b.exit(), b.err());
      assertEquals(stop, latestStep(run), "the checkpoint the stop wrote");
      CliTestSupport.Run c = CliTestSupport.inProcess(with(common, "--out", run.toString(),
          "--resume"));
      assertEquals(0, c.exit(), c.err());
      assertEquals(16, latestStep(run));
      assertArrayEquals(weights(straight), weights(run), "stopped at " + stop + ", resumed");
    }
  }

  private static String[] with(String[] common, String... more) {
    String[] all = java.util.Arrays.copyOf(common, common.length + more.length);
    System.arraycopy(more, 0, all, common.length, more.length);
    return all;
  }

  private static long latestStep(Path run) throws IOException {
    return new org.dynconv.train.CheckpointStore(run).latest().orElseThrow().state().step();
  }

  private static byte[] weights(Path run) throws IOException {
    Path latest = run.resolve("checkpoints").resolve(
        Files.readString(run.resolve("checkpoints").resolve("latest")).trim());
    return Files.readAllBytes(latest.resolve("model.data-00000-of-00001"));
  }
}
