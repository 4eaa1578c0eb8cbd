package org.dynconv.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ImageFolder source against the pixels written into its files (PNG exactly, JPEG as the JDK's
 * decoder reads it), the luminance formula, Preprocess's bicubic resize (itself checked against
 * TensorFlow), and the in-memory copy; and each malformed folder's message.
 */
class ImageFolderTest {
  static BufferedImage grey(int w, int h, long seed) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    SplittableRandom r = new SplittableRandom(seed);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.getRaster().setSample(x, y, 0, r.nextInt(256));
      }
    }
    return img;
  }

  static BufferedImage rgb(int w, int h, long seed) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    SplittableRandom r = new SplittableRandom(seed);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, r.nextInt(1 << 24));
      }
    }
    return img;
  }

  static Path write(Path dir, String rel, BufferedImage img, String format) throws IOException {
    Path f = dir.resolve(rel);
    Files.createDirectories(f.getParent());
    ImageIO.write(img, format, f.toFile());
    return f;
  }

  @Test
  void readsPngAndJpegGreyAndRgbWithSortedClasses(@TempDir Path dir) throws IOException {
    BufferedImage g = grey(6, 5, 1), c = rgb(6, 5, 2), j = rgb(6, 5, 3);
    write(dir, "train/b_cat/0.png", g, "png");
    write(dir, "train/a_dog/0.png", c, "png");
    Path jpg = write(dir, "train/a_dog/1.jpg", j, "jpg");
    write(dir, "test/b_cat/0.png", g, "png");
    ImageFolder.Split s = ImageFolder.open(dir, ImageFolder.Options.defaults());
    ImageFolder tr = s.train();
    assertEquals(List.of("a_dog", "b_cat"), tr.classNames());
    assertEquals(3, tr.channels(), "one colour image makes the folder RGB");
    assertEquals(5, tr.height());
    assertEquals(6, tr.width());
    // Sorted files: a_dog/0.png, a_dog/1.jpg, b_cat/0.png.
    assertEquals(List.of(0, 0, 1), List.of(tr.label(0), tr.label(1), tr.label(2)));
    float[] px = new float[tr.imageSize()];
    tr.read(0, px, 0);
    assertArrayEquals(rgbFloats(c), px, 0f, "PNG colour, exact");
    tr.read(1, px, 0);
    assertArrayEquals(rgbFloats(ImageIO.read(jpg.toFile())), px, 0f, "JPEG as the JDK decodes it");
    tr.read(2, px, 0);
    float[] greyRgb = new float[tr.imageSize()];
    for (int y = 0, k = 0; y < 5; y++) {
      for (int x = 0; x < 6; x++, k += 3) {
        greyRgb[k] = greyRgb[k + 1] = greyRgb[k + 2] = g.getRaster().getSample(x, y, 0);
      }
    }
    assertArrayEquals(greyRgb, px, 0f, "grey repeated in three channels");
    assertEquals(1, s.test().size());
    assertEquals(1, s.test().label(0), "the test split uses the training split's labels");

    // Grey requested: colour becomes luminance 0.299 R + 0.587 G + 0.114 B.
    ImageFolder grey = ImageFolder.open(dir, new ImageFolder.Options(0, 1)).train();
    float[] one = new float[grey.imageSize()];
    grey.read(0, one, 0);
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 6; x++) {
        int v = c.getRGB(x, y);
        double lum = 0.299 * ((v >> 16) & 255) + 0.587 * ((v >> 8) & 255) + 0.114 * (v & 255);
        assertEquals(lum, one[y * 6 + x], 1e-4, "pixel " + x + "," + y);
      }
    }
  }

  @Test
  void resizesImagesOfAnySizeToTheResolution(@TempDir Path dir) throws IOException {
    BufferedImage a = grey(9, 7, 4), b = grey(5, 11, 5);
    write(dir, "train/x/a.png", a, "png");
    write(dir, "train/y/b.png", b, "png");
    write(dir, "test/x/a.png", a, "png");
    ImageFolder tr = ImageFolder.open(dir, new ImageFolder.Options(4, 0)).train();
    assertEquals(1, tr.channels());
    float[] px = new float[16];
    tr.read(1, px, 0);
    assertArrayEquals(Preprocess.bicubic(greyFloats(b), 11, 5, 1, 4, 4), px, 0f);
  }

  @Test
  void streamedAndInMemoryGiveIdenticalBatches(@TempDir Path dir) throws IOException {
    for (int i = 0; i < 12; i++) {
      write(dir, "train/" + (char) ('a' + i % 3) + "/" + i + ".png", rgb(8, 8, 10 + i), "png");
    }
    write(dir, "test/a/0.png", rgb(8, 8, 99), "png");
    ImageFolder streamed = ImageFolder.open(dir, ImageFolder.Options.defaults()).train();
    ImageSource memory = ImageSources.inMemory(streamed);
    for (boolean augment : new boolean[] {false, true}) {
      Batches x = new Batches(streamed, 3, 2, true), y = new Batches(memory, 3, 2, true);
      for (int epoch = 0; epoch < 2; epoch++) {
        int[] order = x.order(epoch);
        assertArrayEquals(order, y.order(epoch));
        float[] px = new float[5 * streamed.imageSize()], py = px.clone();
        int[] lx = new int[5], ly = new int[5];
        x.fill(order, 4, 5, epoch, augment, px, lx);
        y.fill(order, 4, 5, epoch, augment, py, ly);
        assertArrayEquals(px, py, 0f);
        assertArrayEquals(lx, ly);
      }
    }
  }

  @Test
  void malformedFoldersAreNamedInOneError(@TempDir Path dir) throws IOException {
    Path empty = dir.resolve("empty");
    write(empty, "train/a/0.png", grey(4, 4, 1), "png");
    Files.createDirectories(empty.resolve("train/b"));
    Files.createDirectories(empty.resolve("test/a"));
    assertEquals("ImageFolder: class folder '" + empty.resolve("train/b") + "' is empty; expected"
        + " at least one image (PNG, JPEG, BMP or GIF).", message(empty, 0));

    Path text = dir.resolve("text");
    write(text, "train/a/0.png", grey(4, 4, 1), "png");
    Files.writeString(text.resolve("train/a/notes.png"), "not an image");
    write(text, "train/b/0.png", grey(4, 4, 2), "png");
    write(text, "test/a/0.png", grey(4, 4, 1), "png");
    assertEquals("ImageFiles: '" + text.resolve("train/a/notes.png") + "' is not a readable image;"
        + " expected PNG, JPEG, BMP or GIF.", message(text, 0));

    Path extra = dir.resolve("extra");
    write(extra, "train/a/0.png", grey(4, 4, 1), "png");
    write(extra, "train/b/0.png", grey(4, 4, 2), "png");
    write(extra, "test/c/0.png", grey(4, 4, 1), "png");
    assertEquals("ImageFolder: class 'c' of '" + extra.resolve("test") + "' is not among the"
        + " training classes [a, b]; expected the same class folders in train and test.",
        message(extra, 0));

    Path mixed = dir.resolve("mixed");
    write(mixed, "train/a/0.png", grey(4, 4, 1), "png");
    write(mixed, "train/b/0.png", grey(5, 4, 1), "png");
    write(mixed, "test/a/0.png", grey(4, 4, 1), "png");
    assertEquals("ImageFolder: images differ in size ('" + mixed.resolve("train/a/0.png") + "' is"
        + " 4x4 and '" + mixed.resolve("train/b/0.png") + "' is 5x4); expected one size, or"
        + " --resolution to resize them all.", message(mixed, 0));
    assertEquals(4, ImageFolder.open(mixed, new ImageFolder.Options(4, 0)).train().width(),
        "a resolution resizes them");
  }

  @Test
  void entriesThatAreNotReadAreListedAndNamed(@TempDir Path dir) throws IOException {
    write(dir, "train/a/0.png", grey(4, 4, 1), "png");
    write(dir, "train/a/nested/1.png", grey(4, 4, 2), "png");
    write(dir, "train/b/0.png", grey(4, 4, 3), "png");
    write(dir, "test/a/0.png", grey(4, 4, 4), "png");
    Files.writeString(dir.resolve("train/notes.txt"), "not a class");
    ImageFolder.Split s = ImageFolder.open(dir, ImageFolder.Options.defaults());
    assertEquals(2, s.train().size(), "the nested image is not read");
    assertEquals(List.of(dir.resolve("train/a/nested"), dir.resolve("train/notes.txt")),
        s.skipped());
    assertEquals("ImageFolder: skipped 2 entries that are neither class folders nor images in one: '"
        + dir.resolve("train/a/nested") + "', '" + dir.resolve("train/notes.txt") + "' (images in"
        + " nested folders are not read).", s.skippedSummary());
  }

  @Test
  void oneClassIsRefused(@TempDir Path dir) throws IOException {
    write(dir, "train/only/0.png", grey(4, 4, 1), "png");
    write(dir, "test/only/0.png", grey(4, 4, 1), "png");
    assertEquals("ImageFolder: '" + dir.resolve("train") + "' has one class folder (only); expected"
        + " at least two classes to tell apart.", message(dir, 0));
  }

  static String message(Path root, int resolution) {
    return assertThrows(DataFormatError.class,
        () -> ImageFolder.open(root, new ImageFolder.Options(resolution, 0))).getMessage();
  }

  static float[] rgbFloats(BufferedImage img) {
    int w = img.getWidth(), h = img.getHeight();
    float[] out = new float[w * h * 3];
    for (int y = 0, k = 0; y < h; y++) {
      for (int x = 0; x < w; x++, k += 3) {
        int v = img.getRGB(x, y);
        out[k] = (v >> 16) & 255;
        out[k + 1] = (v >> 8) & 255;
        out[k + 2] = v & 255;
      }
    }
    return out;
  }

  static float[] greyFloats(BufferedImage img) {
    int w = img.getWidth(), h = img.getHeight();
    float[] out = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        out[y * w + x] = img.getRaster().getSample(x, y, 0);
      }
    }
    return out;
  }
}
