package org.dynconv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.dynconv.infer.Predictor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code train --data DIR} on an ImageFolder: trains on images of another size and colour with
 * the folder's classes as the export's labels; and each malformed folder fails with one line, the
 * right exit code and no run directory.
 */
class ImageFolderCliTest {
  @TempDir static Path dir;

  static void png(Path f, int w, int h, boolean colour, long seed) throws IOException {
    BufferedImage img = new BufferedImage(w, h, colour ? BufferedImage.TYPE_INT_RGB
        : BufferedImage.TYPE_BYTE_GRAY);
    SplittableRandom r = new SplittableRandom(seed);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, r.nextInt(1 << 24));
      }
    }
    Files.createDirectories(f.getParent());
    ImageIO.write(img, "png", f.toFile());
  }

  @BeforeAll
  static void fixtures() throws IOException {
    // Three classes of 32x32 colour images for a 28x28 grey model.
    for (String split : List.of("train", "test")) {
      for (String cls : List.of("circle", "square", "star")) {
        for (int i = 0; i < (split.equals("train") ? 16 : 4); i++) {
          png(dir.resolve("shapes").resolve(split).resolve(cls).resolve(i + ".png"), 32, 32, true,
              cls.hashCode() * 31L + i);
        }
      }
    }
    png(dir.resolve("empty/train/a/0.png"), 28, 28, false, 1);
    Files.createDirectories(dir.resolve("empty/train/b"));
    png(dir.resolve("empty/test/a/0.png"), 28, 28, false, 1);
    png(dir.resolve("text/train/a/0.png"), 28, 28, false, 1);
    Files.writeString(dir.resolve("text/train/a/notes.png"), "text");
    png(dir.resolve("text/train/b/0.png"), 28, 28, false, 2);
    png(dir.resolve("text/test/a/0.png"), 28, 28, false, 1);
    png(dir.resolve("extra/train/a/0.png"), 28, 28, false, 1);
    png(dir.resolve("extra/train/b/0.png"), 28, 28, false, 2);
    png(dir.resolve("extra/test/c/0.png"), 28, 28, false, 1);
    png(dir.resolve("single/train/a/0.png"), 28, 28, false, 1);
    png(dir.resolve("single/test/a/0.png"), 28, 28, false, 1);
    png(dir.resolve("mixed/train/a/0.png"), 28, 28, false, 1);
    png(dir.resolve("mixed/train/b/0.png"), 30, 28, false, 1);
    png(dir.resolve("mixed/test/a/0.png"), 28, 28, false, 1);
  }

  @Test
  void trainsOnTheFolderWithItsClassNames() throws IOException {
    Path run = dir.resolve("run");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      code = Main.run(new PrintWriter(new StringWriter(), true), "train", "--data",
          dir.resolve("shapes").toString(), "--conv", "static", "--resolution", "28", "--epochs",
          "1", "--batch-size", "16", "--out", run.toString());
    } finally {
      System.setOut(saved);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, text);
    assertTrue(text.contains("data: " + dir.resolve("shapes") + ", 48 training and 12 test images"
        + " of 28x28x1, 3 classes (circle, square, star)"), text);
    assertTrue(text.contains("model: a new 3-class head for the folder's classes"), text);
    try (Predictor p = Predictor.load(run.resolve("export"))) {
      assertEquals(List.of("circle", "square", "star"), p.labels());
      assertEquals(3, p.logits(new float[784], 1).length);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "empty|1|dynconv train: error: ImageFolder: class folder '{dir}/empty/train/b' is empty;"
          + " expected at least one image (PNG, JPEG, BMP or GIF).",
      "text|1|dynconv train: error: ImageFiles: '{dir}/text/train/a/notes.png' is not a readable"
          + " image; expected PNG, JPEG, BMP or GIF.",
      "extra|1|dynconv train: error: ImageFolder: class 'c' of '{dir}/extra/test' is not among the"
          + " training classes [a, b]; expected the same class folders in train and test.",
      "single|1|dynconv train: error: ImageFolder: '{dir}/single/train' has one class folder (a);"
          + " expected at least two classes to tell apart.",
      "shapes --resolution 5000|2|dynconv train: --resolution=5000 is invalid; expected 0 (the"
          + " images' own size) or 1..4096.",
      "shapes --resolution -1|2|dynconv train: --resolution=-1 is invalid; expected 0 (the"
          + " images' own size) or 1..4096.",
      "mixed|1|dynconv train: error: ImageFolder: images differ in size ('{dir}/mixed/train/a/0.png'"
          + " is 28x28 and '{dir}/mixed/train/b/0.png' is 30x28); expected one size, or"
          + " --resolution to resize them all.",
      "shapes --resolution 28 --num-classes 2|2|dynconv train: Trainer: dataset 'shapes train' has"
          + " 3 classes but model 'small-cnn-condconv' outputs 2; expected a model with at least as"
          + " many outputs (a zoo model takes --num-classes where it supports a new head).",
      "shapes --resolution 32|2|dynconv train: --resolution=32: model 'small-cnn-condconv' takes"
          + " 28x28 images; expected --resolution 28 (the images are resized to it) or an"
          + " EfficientNet, whose resolution can change.",
  })
  void malformedFolderFailsWithOneLineAndWritesNothing(String data, int exit, String message) {
    Path out = dir.resolve("out-" + Integer.toHexString(data.hashCode()));
    String[] words = ("train --data {dir}/" + data + " --out " + out).replace("{dir}",
        dir.toString()).split(" ");
    StringWriter err = new StringWriter();
    PrintStream saved = System.out;
    int code;
    try {
      System.setOut(new PrintStream(new ByteArrayOutputStream()));
      code = Main.run(new PrintWriter(err, true), words);
    } finally {
      System.setOut(saved);
    }
    List<String> lines = err.toString().lines().toList();
    assertEquals(1, lines.size(), "exactly one line:\n" + err);
    assertEquals(message.replace("{dir}", dir.toString()), lines.get(0));
    assertEquals(exit, code);
    assertFalse(Files.exists(out), "nothing written at " + out);
  }
}
