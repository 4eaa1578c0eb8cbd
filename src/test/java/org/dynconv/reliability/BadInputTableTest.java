package org.dynconv.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.dynconv.cli.Main;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.TestExports;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input through the command line, one row per case: the exit code (2 usage, 1 runtime), the
 * exact one-line message, no stack trace, and no output left behind ({@code OUT} must not exist
 * afterwards). Paths in the table are relative to a fixture directory of broken files.
 */
class BadInputTableTest {
  @TempDir static Path dir;

  @BeforeAll
  static void fixtures() throws IOException {
    Files.createDirectories(dir.resolve("empty"));
    Path idx = dir.resolve("truncated");
    byte[] header = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3};
    completeDataDir(idx);
    Files.write(idx.resolve("train-images-idx3-ubyte"), header);
    Path gz = dir.resolve("truncated-gz");
    completeDataDir(gz);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(b)) {
      z.write(header);
    }
    Files.write(gz.resolve("train-images-idx3-ubyte.gz"), b.toByteArray());
    Path bad = dir.resolve("corrupt-gz");
    completeDataDir(bad);
    byte[] c = b.toByteArray().clone();
    c[c.length - 6] ^= 0x7f;
    Files.write(bad.resolve("train-images-idx3-ubyte.gz"), c);
    Files.write(dir.resolve("model.ckpt.index"), new byte[] {1, 2, 3, 4, 5});
    Path sm = dir.resolve("bad-savedmodel");
    Files.createDirectories(sm);
    Files.write(sm.resolve("saved_model.pb"), "not a protobuf".getBytes());
    Files.writeString(dir.resolve("notes.png"), "this is text");
    ImageIO.write(new BufferedImage(32, 30, BufferedImage.TYPE_BYTE_GRAY), "png",
        dir.resolve("big.png").toFile());
    ImageIO.write(new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY), "png",
        dir.resolve("one.png").toFile());
    TestExports.export(ModelZoo.get("small-cnn-static"), 1, dir.resolve("model"));
    Files.createDirectories(dir.resolve("existing"));
    // A tiny training run, and a copy whose settings name another model.
    org.dynconv.data.FashionMnist.Split data = org.dynconv.data.FashionMnist.embedded();
    new org.dynconv.train.Trainer(org.dynconv.train.TrainConfig.builder().model("small-cnn-static")
        .epochs(1).batchSize(32).seed(1).learningRate(0.01).schedule("constant").warmupEpochs(0)
        .weightDecay(0).temperature(30, 1, 0).trainLimit(64).build(), data.train(),
        data.test().head(32), org.dynconv.train.Trainer.Options.builder(dir.resolve("run"))
        .out(new java.io.PrintStream(new ByteArrayOutputStream())).build()).run();
    Path other = dir.resolve("other-run");
    copyTree(dir.resolve("run"), other);
    Path props = other.resolve("run.properties");
    Files.writeString(props, Files.readString(props).replace("small-cnn-static", "small-cnn-condconv"));
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  /** The three files other than the training images, valid (two 28x28 images). */
  static void completeDataDir(Path d) throws IOException {
    Files.createDirectories(d);
    byte[] images = new byte[16 + 2 * 784];
    images[2] = 8;
    images[3] = 3;
    images[7] = 2;
    images[11] = 28;
    images[15] = 28;
    byte[] labels = {0, 0, 8, 1, 0, 0, 0, 2, 3, 4};
    Files.write(d.resolve("train-labels-idx1-ubyte"), labels);
    Files.write(d.resolve("t10k-images-idx3-ubyte"), images);
    Files.write(d.resolve("t10k-labels-idx1-ubyte"), labels);
  }

  static Stream<Arguments> cases() {
    List<Arguments> c = new ArrayList<>();
    String help = " (see 'dynconv train --help')";
    c.add(Arguments.of(2, "dynconv: Unmatched argument at index 0: 'frobnicate' (see 'dynconv --help')",
        "frobnicate"));
    c.add(Arguments.of(2, "dynconv train: --model=resnet50 is unknown; expected a family "
        + "(small-cnn, mobilenetv2-0.25, mobilenetv2-0.5, mobilenetv2-0.75, "
        + "mobilenetv2-1.0 with --conv static|condconv|dynamic|dcd|odconv) or one "
        + "of small-cnn-{static|condconv|dynamic|dcd|odconv}, small-cnn-dcd-dycls, "
        + "mobilenetv2-0.25-{static|condconv|dynamic|dcd|odconv}, "
        + "mobilenetv2-0.5-{static|condconv|dynamic|dcd|odconv}, "
        + "mobilenetv2-0.75-{static|condconv|dynamic|dcd|odconv}, "
        + "mobilenetv2-1.0-{static|condconv|dynamic|dcd|odconv}, efficientnet-b0, "
        + "efficientnet-condconv-b0-4e, efficientnet-condconv-b0-8e, "
        + "efficientnet-condconv-b0-8e-depth.",
        "train --model resnet50 --out {out}"));
    c.add(Arguments.of(2, "dynconv train: --conv=dense is invalid; expected static, condconv,"
        + " dynamic, dcd or odconv.", "train --conv dense --out {out}"));
    c.add(Arguments.of(2, "dynconv train: --epochs=-1 is invalid; expected an integer >= 1.",
        "train --epochs -1 --out {out}"));
    c.add(Arguments.of(2, "dynconv train: TrainConfig: epochs=10000000 is invalid; expected 1 <="
        + " epochs <= 100000.", "train --epochs 10000000 --out {out}"));
    c.add(Arguments.of(2, "dynconv train: --batch-size=0 is invalid; expected an integer >= 1.",
        "train --batch-size 0 --out {out}"));
    c.add(Arguments.of(2, "dynconv train: --lr=NaN is invalid; expected a finite number > 0.",
        "train --lr NaN --out {out}"));
    c.add(Arguments.of(2, "dynconv train: --threads=-1 is invalid; expected an integer from 0 to"
        + " 1024 (0 = TensorFlow's default).", "train --threads -1 --out {out}"));
    c.add(Arguments.of(2, "dynconv train: --inter-op-threads=5000 is invalid; expected an integer"
        + " from 0 to 1024 (0 = TensorFlow's default).", "train --inter-op-threads 5000 --out {out}"));
    c.add(Arguments.of(2, "dynconv train: Invalid value for option '--batch-size': '1e9' is not an"
        + " int" + help, "train --batch-size 1e9 --out {out}"));
    c.add(Arguments.of(1, "dynconv train: error: FashionMnist: data directory '{dir}/missing' does not"
        + " exist.", "train --data {dir}/missing --out {out}"));
    c.add(Arguments.of(1, "dynconv train: error: IdxReader: file '{dir}/truncated/train-images-idx3-ubyte'"
        + " is truncated: the header declares 2x28x28 = 1568 bytes of data but only 3 are present.",
        "train --data {dir}/truncated --out {out}"));
    c.add(Arguments.of(1, "dynconv train: error: IdxReader: file"
        + " '{dir}/truncated-gz/train-images-idx3-ubyte.gz' is truncated: the header declares 2x28x28 ="
        + " 1568 bytes of data but only 3 are present.", "train --data {dir}/truncated-gz --out {out}"));
    c.add(Arguments.of(1, "dynconv train: error: IdxReader: file '{dir}/corrupt-gz/train-images-idx3-ubyte.gz'"
        + " is truncated or not valid gzip (...", "train --data {dir}/corrupt-gz --out {out}"));
    c.add(Arguments.of(2, "dynconv train: --resume: '{out}' holds no training run; expected the"
        + " --out of an earlier 'train'.", "train --resume --out {out}"));
    c.add(Arguments.of(2, "dynconv export: --checkpoint '{dir}/missing' does not exist; expected a run"
        + " directory written by 'train' or one of its checkpoints/ckpt-* directories.",
        "export --checkpoint {dir}/missing --out {out}"));
    c.add(Arguments.of(2, "dynconv export: --checkpoint '{dir}/empty' holds no checkpoint; expected a"
        + " run directory written by 'train' (with checkpoints/latest) or one of its"
        + " checkpoints/ckpt-* directories.", "export --checkpoint {dir}/empty --out {out}"));
    c.add(Arguments.of(1, "dynconv import-google: error: TensorBundle: index '{dir}/model.ckpt.index' is"
        + " truncated: 5 bytes; expected at least the 48-byte table footer.",
        "import-google --checkpoint {dir}/model.ckpt --model efficientnet-b0 --out {out}"));
    c.add(Arguments.of(2, "dynconv import-google: --model=small-cnn-static is not a Google"
        + " EfficientNet; expected one of efficientnet-b0, efficientnet-condconv-b0-4e,"
        + " efficientnet-condconv-b0-8e, efficientnet-condconv-b0-8e-depth.",
        "import-google --checkpoint {dir}/model.ckpt --model small-cnn-static --out {out}"));
    c.add(Arguments.of(1, "dynconv predict: error: --model: '{dir}/empty' has no saved_model.pb;"
        + " expected a SavedModel directory (from 'export').", "predict --model {dir}/empty {dir}/big.png"));
    c.add(Arguments.of(1, "dynconv predict: error: --model: SavedModel '{dir}/bad-savedmodel' cannot be"
        + " loaded: ...", "predict --model {dir}/bad-savedmodel {dir}/big.png"));
    c.add(Arguments.of(1, "dynconv predict: error: ImageFiles: image '{dir}/big.png' is 32x30; expected"
        + " 28x28 (the model's input size; --preprocess resize or google accepts any size).",
        "predict --model {dir}/model {dir}/big.png"));
    c.add(Arguments.of(1, "dynconv predict: error: ImageFiles: '{dir}/notes.png' is not a readable"
        + " image; expected PNG, JPEG, BMP or GIF.", "predict --model {dir}/model {dir}/notes.png"));
    c.add(Arguments.of(2, "dynconv predict: give IMAGE_FILES or --data DIR (one of the two); expected"
        + " e.g. 'predict --model DIR shirt.png'.", "predict --model {dir}/model"));
    c.add(Arguments.of(1, "dynconv inspect: error: --model: '{dir}/bad-savedmodel/saved_model.pb' is not a"
        + " valid SavedModel protobuf (...", "inspect --model {dir}/bad-savedmodel"));
    c.add(Arguments.of(2, "dynconv analyze: --run '{dir}/empty' has no log.csv; expected a run directory"
        + " written by 'train'.", "analyze --model {dir}/model --run {dir}/empty --out {out}"));
    c.add(Arguments.of(2, "dynconv export: --out '{dir}/existing' exists; expected a new directory, or"
        + " --force to replace it.", "export --checkpoint {dir}/run --out {dir}/existing"));
    c.add(Arguments.of(1, "dynconv export: error: SavedModelExporter: cannot write '{dir}/notes.png/x':"
        + " '{dir}/notes.png' is a file; expected a directory.",
        "export --checkpoint {dir}/run --out {dir}/notes.png/x"));
    c.add(Arguments.of(1, "dynconv export: error: WeightsExtractor: checkpoint"
        + " '{dir}/other-run/checkpoints/ckpt-000000002/model' does not hold the model's weights: ...",
        "export --checkpoint {dir}/other-run --out {out}"));
    c.add(Arguments.of(2, "dynconv export: --serving-version=-3 is invalid; expected an integer >= 1.",
        "export --checkpoint {dir}/empty --out {out} --serving-version -3"));
    c.add(Arguments.of(2, "dynconv export: --batch-signatures=1,0 is invalid at '0'; expected 'none'"
        + " or distinct batch sizes >= 1, comma-separated (e.g. 1,8,32).",
        "export --checkpoint {dir}/empty --out {out} --batch-signatures 1,0"));
    c.add(Arguments.of(2, "dynconv export: --batch-signatures=8,8 is invalid at '8'; expected 'none'"
        + " or distinct batch sizes >= 1, comma-separated (e.g. 1,8,32).",
        "export --checkpoint {dir}/empty --out {out} --batch-signatures 8,8"));
    c.add(Arguments.of(2, "dynconv export: --batch-signatures=1 with --static-batch=4; expected one"
        + " of them (a static-batch export has one batch size).",
        "export --checkpoint {dir}/empty --out {out} --batch-signatures 1 --static-batch 4"));
    c.add(Arguments.of(2, "dynconv export: --bank-dtype=int8 is invalid; expected one of [float32,"
        + " bfloat16, float16].", "export --checkpoint {dir}/empty --out {out} --bank-dtype int8"));
    c.add(Arguments.of(2, "dynconv predict: --compare-to={dir}/model needs --data; expected e.g."
        + " 'predict --model HALF --data DIR --compare-to FLOAT32'.",
        "predict --model {dir}/model {dir}/big.png --compare-to {dir}/model"));
    c.add(Arguments.of(1, "dynconv predict: error: --compare-to: '{dir}/empty' has no saved_model.pb;"
        + " expected a SavedModel directory (from 'export').",
        "predict --model {dir}/model --data embedded --compare-to {dir}/empty"));
    c.add(Arguments.of(1, "dynconv predict: error: ImageFiles: image '{dir}/big.png' is 32x30 (960"
        + " pixels); expected at most 100 pixels.",
        "predict --model {dir}/model --preprocess resize --max-pixels 100 {dir}/big.png"));
    c.add(Arguments.of(1, "dynconv predict: error: Preprocess: image '{dir}/one.png' is 1x1, too"
        + " small for Google's centre crop to 28x28; expected at least 3 pixels on the shorter"
        + " side.", "predict --model {dir}/model --preprocess google {dir}/one.png"));
    c.add(Arguments.of(2, "dynconv predict: --max-pixels=0 is invalid; expected an integer >= 1.",
        "predict --model {dir}/model --max-pixels 0 {dir}/big.png"));
    c.add(Arguments.of(2, "dynconv serve: --host no-such-host.invalid does not resolve to an address;"
        + " expected a host name or address of this machine (default 127.0.0.1).",
        "serve --model {dir}/model --host no-such-host.invalid --port 0"));
    c.add(Arguments.of(2, "dynconv serve: --grpc-port=70000 is invalid; expected -1 (no gRPC) or 0"
        + " to 65535.", "serve --model {dir}/model --grpc-port 70000"));
    return c.stream();
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("cases")
  void oneLineErrorAndNothingWritten(int exit, String message, String args) {
    Path out = dir.resolve("out-" + Integer.toHexString(args.hashCode()));
    String[] argv = args.replace("{out}", out.toString()).replace("{dir}", dir.toString()).split(" ");
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(err, true), argv);
    String expected = message.replace("{out}", out.toString()).replace("{dir}", dir.toString());
    List<String> lines = err.toString().lines().toList();
    assertEquals(1, lines.size(), "exactly one line:\n" + err);
    if (expected.endsWith("...")) {
      assertTrue(lines.get(0).startsWith(expected.substring(0, expected.length() - 3)), lines.get(0));
    } else {
      assertEquals(expected, lines.get(0));
    }
    assertEquals(exit, code, err.toString());
    assertFalse(Files.exists(out), "nothing written at " + out);
  }

  @Test
  void verbosePrintsTheStackTrace() {
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(err, true), "train", "--data", dir.resolve("missing").toString(),
        "--out", dir.resolve("o").toString(), "--verbose");
    assertEquals(1, code);
    assertTrue(err.toString().contains("\tat org.dynconv."), err.toString());
  }
}
