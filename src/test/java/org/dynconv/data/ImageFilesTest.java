package org.dynconv.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged image is reported with its file name. */
class ImageFilesTest {
  @Test
  void truncatedPngNamesTheFile(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png", png);
    byte[] bytes = png.toByteArray();
    Path file = dir.resolve("cut.png");
    // The signature and the header survive; the image data is cut short.
    Files.write(file, java.util.Arrays.copyOf(bytes, 45));
    DataFormatError e = assertThrows(DataFormatError.class, () -> ImageFiles.read(file, 28, 28, 1));
    assertEquals("ImageFiles: '" + file + "' could not be decoded (Error reading PNG image data);"
        + " expected an intact PNG, JPEG, BMP or GIF image.", e.getMessage());
  }
}
