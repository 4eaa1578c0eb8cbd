package org.dynconv.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Images in class subfolders, the ImageFolder convention of torchvision and Keras: {@code
 * DIR/train/<class>/*.png|jpg|...} and {@code DIR/test/<class>/*}. Classes are the training split's
 * folder names in sorted order (label 0 is the first); the test split must use the same names
 * (it may lack some). Images are decoded when read, so the data need not fit in memory ({@link
 * ImageSources#inMemory} keeps them decoded when it does).
 *
 * <p>Opening checks every file's header, so problems show before training starts: an empty class
 * folder, a file that is not an image (named), images of different sizes when no resolution is
 * given, a test class the training split does not have.
 */
public final class ImageFolder implements ImageSource {
  /**
   * @param resolution square side every image is resized to (bicubic, aspect not kept); 0 = the
   *     images' own size, which must then be the same for all
   * @param channels 1 (grey; colour converted to luminance) or 3 (RGB; grey repeated); 0 = 1 when
   *     every image is grey, else 3
   */
  public record Options(int resolution, int channels) {
    public Options {
      if (resolution < 0 || resolution > 4096) {
        throw new IllegalArgumentException("ImageFolder: resolution=" + resolution
            + " is invalid; expected 0 (the images' own size) or 1..4096.");
      }
      if (channels != 0 && channels != 1 && channels != 3) {
        throw new IllegalArgumentException("ImageFolder: channels=" + channels + " is invalid;"
            + " expected 0 (from the images), 1 or 3.");
      }
    }

    /** The images' own size and channels. */
    public static Options defaults() {
      return new Options(0, 0);
    }
  }

  private final String name;
  private final List<Path> files;
  private final int[] labels;
  private final List<String> classes;
  private final int height;
  private final int width;
  private final int channels;
  private final Preprocess preprocess;

  private ImageFolder(String name, List<Path> files, int[] labels, List<String> classes,
      int height, int width, int channels, Preprocess preprocess) {
    this.name = name;
    this.files = files;
    this.labels = labels;
    this.classes = classes;
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.preprocess = preprocess;
  }

  /**
   * The training and test splits of a folder, with the same classes, size and channels.
   *
   * @param skipped entries the scan did not read, in order: folders inside a class folder (images
   *     in nested folders are not read) and files beside the class folders
   */
  public record Split(ImageFolder train, ImageFolder test, List<Path> skipped) {
    public Split {
      skipped = List.copyOf(skipped);
    }

    /** One line naming what was skipped (at most three entries), or null when nothing was. */
    public String skippedSummary() {
      if (skipped.isEmpty()) {
        return null;
      }
      List<String> shown = skipped.stream().limit(3).map(p -> "'" + p + "'").toList();
      return "ImageFolder: skipped " + skipped.size() + " entr" + (skipped.size() == 1 ? "y" : "ies")
          + " that are neither class folders nor images in one: " + String.join(", ", shown)
          + (skipped.size() > 3 ? ", ..." : "") + " (images in nested folders are not read).";
    }
  }

  /** Whether {@code dir} looks like an ImageFolder dataset ({@code dir/train} is a directory). */
  public static boolean isImageFolder(Path dir) {
    return Files.isDirectory(dir.resolve("train"));
  }

  /** Opens {@code root/train} and {@code root/test}. */
  public static Split open(Path root, Options opt) throws IOException {
    Path trainDir = root.resolve("train"), testDir = root.resolve("test");
    if (!Files.isDirectory(trainDir) || !Files.isDirectory(testDir)) {
      throw new DataFormatError("ImageFolder: '" + root + "' has no " + (Files.isDirectory(trainDir)
          ? "test" : "train") + " folder; expected " + trainDir + "/<class>/*.png and " + testDir
          + "/<class>/*.png.");
    }
    List<String> classes = new ArrayList<>();
    for (Path d : list(trainDir)) {
      if (Files.isDirectory(d)) {
        classes.add(d.getFileName().toString());
      }
    }
    if (classes.isEmpty()) {
      throw new DataFormatError("ImageFolder: '" + trainDir + "' has no class folders; expected "
          + trainDir + "/<class>/*.png.");
    }
    if (classes.size() == 1) {
      throw new DataFormatError("ImageFolder: '" + trainDir + "' has one class folder ("
          + classes.get(0) + "); expected at least two classes to tell apart.");
    }
    List<Path> skipped = new ArrayList<>();
    Scan train = scan(trainDir, classes, "train", skipped);
    Scan test = scan(testDir, classes, "test", skipped);
    // The training split decides size and channels; the test split follows them.
    int h, w;
    if (opt.resolution() > 0) {
      h = w = opt.resolution();
    } else {
      for (Scan sc : List.of(train, test)) {
        if (sc.mixed != null) {
          throw new DataFormatError("ImageFolder: images differ in size (" + sc.mixed + ");"
              + " expected one size, or --resolution to resize them all.");
        }
      }
      h = train.height;
      w = train.width;
      if (test.height != h || test.width != w) {
        throw new DataFormatError("ImageFolder: '" + test.sizeExample + "' is " + test.width + "x"
            + test.height + " but the training images are " + w + "x" + h + "; expected one size,"
            + " or --resolution to resize them all.");
      }
    }
    int c = opt.channels() > 0 ? opt.channels() : (train.allGrey && test.allGrey ? 1 : 3);
    Preprocess p = opt.resolution() > 0 ? Preprocess.RESIZE : Preprocess.EXACT;
    String base = root.getFileName() == null ? root.toString() : root.getFileName().toString();
    return new Split(
        new ImageFolder(base + " train", train.files, train.labels(), classes, h, w, c, p),
        new ImageFolder(base + " test", test.files, test.labels(), classes, h, w, c, p), skipped);
  }

  private static final class Scan {
    final List<Path> files = new ArrayList<>();
    final List<Integer> labelList = new ArrayList<>();
    int height = -1;
    int width = -1;
    Path sizeExample;
    boolean allGrey = true;
    /** Files of a different size than the first, for the error without --resolution. */
    Path otherSize;
    int otherWidth;
    int otherHeight;
    /** Describes two files of different sizes, or null. */
    String mixed;

    int[] labels() {
      return labelList.stream().mapToInt(Integer::intValue).toArray();
    }
  }

  private static Scan scan(Path splitDir, List<String> classes, String split, List<Path> skipped)
      throws IOException {
    Scan s = new Scan();
    for (Path d : list(splitDir)) {
      if (!Files.isDirectory(d)) {
        skipped.add(d);
        continue;
      }
      String cls = d.getFileName().toString();
      int label = classes.indexOf(cls);
      if (label < 0) {
        throw new DataFormatError("ImageFolder: class '" + cls + "' of '" + splitDir + "' is not"
            + " among the training classes " + classes + "; expected the same class folders in"
            + " train and test.");
      }
      List<Path> entries = list(d);
      List<Path> images = entries.stream().filter(Files::isRegularFile).toList();
      entries.stream().filter(e -> !Files.isRegularFile(e)).forEach(skipped::add);
      if (images.isEmpty()) {
        throw new DataFormatError("ImageFolder: class folder '" + d + "' is empty; expected at"
            + " least one image (PNG, JPEG, BMP or GIF).");
      }
      for (Path f : images) {
        ImageFiles.Header hd = ImageFiles.header(f);
        if (s.height < 0) {
          s.height = hd.height();
          s.width = hd.width();
          s.sizeExample = f;
        } else if ((hd.height() != s.height || hd.width() != s.width) && s.otherSize == null) {
          s.otherSize = f;
          s.otherWidth = hd.width();
          s.otherHeight = hd.height();
        }
        s.allGrey &= hd.grey();
        s.files.add(f);
        s.labelList.add(label);
      }
    }
    if (s.files.isEmpty()) {
      throw new DataFormatError("ImageFolder: '" + splitDir + "' has no class folders with images;"
          + " expected " + splitDir + "/<class>/*.png.");
    }
    if (s.otherSize != null) {
      s.mixed = "'" + s.sizeExample + "' is " + s.width + "x" + s.height + " and '" + s.otherSize
          + "' is " + s.otherWidth + "x" + s.otherHeight;
    }
    return s;
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> st = Files.list(dir)) {
      return st.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return labels.length;
  }

  @Override
  public int height() {
    return height;
  }

  @Override
  public int width() {
    return width;
  }

  @Override
  public int channels() {
    return channels;
  }

  @Override
  public int numClasses() {
    return classes.size();
  }

  @Override
  public List<String> classNames() {
    return classes;
  }

  /** The file of image {@code index}. */
  public Path file(int index) {
    return files.get(index);
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  @Override
  public void read(int index, float[] dst, int offset) {
    try {
      float[] px = ImageFiles.read(files.get(index), height, width, channels, preprocess);
      System.arraycopy(px, 0, dst, offset, px.length);
    } catch (IOException e) {
      throw new UncheckedIOException("ImageFolder: '" + files.get(index) + "' could not be read", e);
    }
  }
}
